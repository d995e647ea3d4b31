/**
 * The ring subsystem's public surface: placements (what the live router
 * calls), membership changes, and the churn statistics behind `ring churn`.
 */
export {ALGORITHMS, type AlgorithmName, DEFAULT_PLACEMENT_OPTIONS, isAlgorithmName, type Placement, PlacementInputError, type PlacementOptions, type PlacementSpec, specFor} from './placement.js'
export {createPlacement} from './create-placement.js'
export {nextMembership, nextNodeNumber, nodeIds, type MembershipChange} from './membership.js'
export {hashKey} from './hash.js'
export {assignKeys, type Assignment, type ChurnResult, compareAssignments, measureChurn, type NowMs} from './churn.js'
export {type ChurnChange, type ChurnPlan, type ChurnReport, type ChurnRequest, type ChurnStep, planChurn, reportNotes, resultsTable, runChurn, stepsTable, type TextTable, vnodesSweepTable} from './churn-report.js'
export {keysFromText, syntheticKeys} from './keyset.js'
export {type LoadBalance, loadBalance} from './load-balance.js'
export {maglevTableAdvice} from './maglev.js'
export {percent} from './format.js'
