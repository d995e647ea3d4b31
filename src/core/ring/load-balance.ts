/** How evenly a quantity (keys, hash space) is spread over the nodes; 1 / 0 / 1 is perfect. */
export interface LoadBalance {
  maxOverMean: number
  stddevOverMean: number
  minOverMean: number
}

/** Balance of per-node amounts (population standard deviation); all zeros when the total is 0. */
export function loadBalance(perNode: ArrayLike<number>): LoadBalance {
  const n = perNode.length
  let total = 0
  let max = -Infinity
  let min = Infinity
  for (let i = 0; i < n; i++) {
    total += perNode[i]
    max = Math.max(max, perNode[i])
    min = Math.min(min, perNode[i])
  }
  const mean = total / n
  if (n === 0 || mean === 0) return {maxOverMean: 0, stddevOverMean: 0, minOverMean: 0}
  let squares = 0
  for (let i = 0; i < n; i++) squares += (perNode[i] - mean) ** 2
  return {maxOverMean: max / mean, stddevOverMean: Math.sqrt(squares / n) / mean, minOverMean: min / mean}
}

/** Keys per node from an owner index per key. */
export function countPerNode(owners: Int32Array, nodeCount: number): Int32Array {
  const counts = new Int32Array(nodeCount)
  for (let k = 0; k < owners.length; k++) counts[owners[k]]++
  return counts
}
