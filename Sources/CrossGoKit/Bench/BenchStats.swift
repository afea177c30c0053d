// The statistics `crossgo bench` uses, as benchstat does: the median, a distribution-free confidence interval for
// it from order statistics, and the Mann–Whitney U test (exact for small samples, ties included) for a change.
import Foundation

/// Median, confidence interval and significance of benchmark samples. Pure functions, unit-tested against scipy.
public enum BenchStats {
    /// The median: the middle value, or the mean of the two middle values.
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of nothing")
        let s = values.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// The distribution-free confidence interval for the median: order statistics x(k) and x(n-k+1), with k the
    /// largest rank for which P(k <= B <= n-k) >= confidence, B ~ Binomial(n, 1/2) (B counts samples below the true
    /// median). nil when even [min, max] does not reach the confidence (n < 6 at 95%).
    public static func medianInterval(_ values: [Double], confidence: Double = 0.95) -> (low: Double, high: Double)? {
        let s = values.sorted()
        let n = s.count
        guard n > 0, let k = intervalRank(n: n, confidence: confidence) else { return nil }
        return (s[k - 1], s[n - k])
    }

    /// The 1-based rank k of the interval's lower end for n samples, nil when no interval reaches the confidence.
    public static func intervalRank(n: Int, confidence: Double) -> Int? {
        let tail = (1 - confidence) / 2
        var k = 0
        // P(B <= k-1) must stay within the tail on each side.
        while k + 1 <= (n + 1) / 2, binomialHalfCDF(n: n, k: k) <= tail + 1e-12 { k += 1 }
        return k >= 1 ? k : nil
    }

    /// The achieved coverage of the interval of rank k for n samples: 1 - 2 P(B <= k-1).
    public static func coverage(n: Int, rank k: Int) -> Double { 1 - 2 * binomialHalfCDF(n: n, k: k - 1) }

    /// P(B <= k) for B ~ Binomial(n, 1/2).
    static func binomialHalfCDF(n: Int, k: Int) -> Double {
        guard k >= 0 else { return 0 }
        guard k < n else { return 1 }
        var total = 0.0
        for i in 0...k { total += exp(logChoose(n, i) - Double(n) * log(2.0)) }
        return min(1, total)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }

    /// The result of a Mann–Whitney U test.
    public struct UTest: Sendable, Equatable, Codable {
        /// U of the first sample: the number of pairs (x, y) with x > y, ties counting one half.
        public var u: Double
        /// Two-sided p-value: P(|U - n1 n2 / 2| >= |u - n1 n2 / 2|) under the null hypothesis.
        public var p: Double
        /// Whether p came from the exact permutation distribution (with the sample's ties) or the normal approximation.
        public var exact: Bool
    }

    /// Samples at or below this total size get the exact distribution.
    public static let exactLimit = 100

    /// The two-sided Mann–Whitney U test of `x` against `y`. Exact (the permutation distribution of the rank sum
    /// with mid-ranks, so ties are exact too) up to `exactLimit` samples in all; beyond, the normal approximation
    /// with the tie correction and a continuity correction.
    public static func mannWhitney(_ x: [Double], _ y: [Double]) -> UTest {
        let n1 = x.count, n2 = y.count
        precondition(n1 > 0 && n2 > 0, "Mann-Whitney of an empty sample")
        let all = (x.map { ($0, 0) } + y.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        let n = all.count
        // Doubled mid-ranks (integers) and tie group sizes.
        var ranks2 = [Int](repeating: 0, count: n)
        var ties: [Int] = []
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && all[j + 1].0 == all[i].0 { j += 1 }
            let r2 = (i + 1) + (j + 1)  // 2 * mean of ranks i+1 ... j+1
            for t in i...j { ranks2[t] = r2 }
            ties.append(j - i + 1)
            i = j + 1
        }
        var r1x2 = 0
        for t in 0..<n where all[t].1 == 0 { r1x2 += ranks2[t] }
        let u = Double(r1x2) / 2 - Double(n1 * (n1 + 1)) / 2
        let mean = Double(n1 * n2) / 2
        if n <= exactLimit {
            // Number of n1-subsets of the n (doubled) ranks by their sum: counts[size][sum], as Doubles.
            let maxSum = ranks2.reduce(0, +)
            var counts = [[Double]](repeating: [Double](repeating: 0, count: maxSum + 1), count: n1 + 1)
            counts[0][0] = 1
            var reach = 0
            for r in ranks2 {
                reach += r
                for size in stride(from: min(n1, n), through: 1, by: -1) {
                    let row = counts[size - 1]
                    for s in stride(from: reach, through: r, by: -1) where row[s - r] != 0 { counts[size][s] += row[s - r] }
                }
            }
            let total = counts[n1].reduce(0, +)
            let observed = abs(u - mean)
            var extreme = 0.0
            for (s, c) in counts[n1].enumerated() where c != 0 {
                let us = Double(s) / 2 - Double(n1 * (n1 + 1)) / 2
                if abs(us - mean) >= observed - 1e-9 { extreme += c }
            }
            return UTest(u: u, p: min(1, extreme / total), exact: true)
        }
        let tieTerm = ties.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
        let variance = Double(n1 * n2) / 12 * (Double(n + 1) - tieTerm / Double(n * (n - 1)))
        guard variance > 0 else { return UTest(u: u, p: 1, exact: false) }
        let z = max(0, abs(u - mean) - 0.5) / variance.squareRoot()
        return UTest(u: u, p: min(1, erfc(z / 2.0.squareRoot())), exact: false)
    }

    /// The smallest two-sided p-value samples of these sizes can give (no ties): 2 / C(n1+n2, n1).
    public static func smallestP(_ n1: Int, _ n2: Int) -> Double {
        min(1, 2 * exp(-logChoose(n1 + n2, n1)))
    }
}
