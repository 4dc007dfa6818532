import CBenchBLAS
import Foundation
import QEIRStats

/// The key numbers of one run, by name (for example `"params"`, `"statistic"`, `"pvalue"`),
/// compared by the harness with the anchor's.
public struct WorkloadResult: Sendable, Hashable {
    /// Named vectors; scalars are vectors of one element.
    public var values: [String: [Double]]

    /// Wraps named vectors.
    public init(_ values: [String: [Double]]) { self.values = values }
}

/// Builds a named design over column-major storage without another copy.
func design(_ array: RawArray, names: [String]) throws -> DesignMatrix {
    try DesignMatrix(
        names: names, matrix: Matrix(rows: array.rows, columns: array.columns, columnMajor: array.values))
}

func required(_ arrays: [String: RawArray], _ name: String) throws -> RawArray {
    guard let array = arrays[name] else {
        throw WorkloadError(.badData, "The data has no array '\(name)'; regenerate it with compare.py.")
    }
    return array
}

/// OLS: ols_small (n = 200, k = 10, HC1) and ols_large (n = 1,000,000, k = 50, nonrobust).
///
/// QEIR call: `OLS().fit(y:design:covariance:)`. Anchors: statsmodels `OLS(y, X).fit(...)`
/// and, for ols_large, `numpy.linalg.lstsq`.
public struct OLSWorkload: Sendable {
    /// The dependent variable.
    public let y: [Double]
    /// The design, `const, x1, …`.
    public let design: DesignMatrix
    /// The covariance estimator.
    public let covariance: CovarianceOptions

    /// Loads `ols_small` (HC1) or `ols_large` (nonrobust).
    /// - Parameters:
    ///   - workload: `"ols_small"` or `"ols_large"`.
    ///   - data: the data source.
    /// - Throws: ``WorkloadError`` for missing data; ``StatsError`` for an invalid design.
    public init(_ workload: String, data: WorkloadData) throws {
        let arrays = try data.arrays(workload)
        let x = try required(arrays, "\(workload).X")
        y = try required(arrays, "\(workload).y").values
        design = try QEIRBenchWorkloads.design(x, names: ["const"] + (1..<x.columns).map { "x\($0)" })
        covariance = workload == "ols_small" ? .hc1 : .nonrobust
    }

    /// Bytes of the design matrix.
    public var designBytes: Int { design.nobs * design.count * MemoryLayout<Double>.stride }

    /// Fits once: coefficients, standard errors, p-values, R².
    /// - Throws: ``StatsError`` from the fit.
    public func run() throws -> WorkloadResult {
        let fit = try OLS().fit(y: y, design: design, covariance: covariance)
        return WorkloadResult([
            "params": fit.coefficients, "bse": fit.standardErrors, "pvalues": fit.pValues, "rsquared": [fit.rSquared],
        ])
    }
}

/// The floor of ols_large: the normal equations on the system OpenBLAS — X′X by `cblas_dsyrk`,
/// X′y by `cblas_dgemv`, then `LAPACKE_dpotrf` and `dpotrs`. Coefficients only (no residuals,
/// no standard errors): the least work any least-squares solver must do, at the price of
/// squaring the condition number.
public struct OLSFloorWorkload: Sendable {
    /// The problem, shared with ``OLSWorkload`` (no second copy of the design).
    public let problem: OLSWorkload

    /// The floor of an OLS problem.
    public init(_ problem: OLSWorkload) { self.problem = problem }

    /// Solves once; returns `"params"`.
    /// - Throws: ``WorkloadError`` when X′X is not positive definite.
    public func run() throws -> WorkloadResult {
        let n = Int32(problem.design.nobs)
        let k = Int32(problem.design.count)
        var xtx = [Double](repeating: 0, count: Int(k * k))
        var xty = [Double](repeating: 0, count: Int(k))
        let x = problem.design.matrix.storage
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, k, n, 1, x, n, 0, &xtx, k)
        cblas_dgemv(CblasColMajor, CblasTrans, n, k, 1, x, n, problem.y, 1, 0, &xty, 1)
        let upper = CChar(UInt8(ascii: "U"))
        let info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, upper, k, &xtx, k)
        guard info == 0 else {
            throw WorkloadError(.failed, "dpotrf failed (info \(info)): X′X is not positive definite.")
        }
        let solved = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, upper, k, 1, xtx, k, &xty, k)
        guard solved == 0 else { throw WorkloadError(.failed, "dpotrs failed (info \(solved)).") }
        return WorkloadResult(["params": xty])
    }
}

/// iv: IV2SLS with n = 10,000, exogenous [const, w1, w2], endogenous x1, x2, excluded
/// instruments z1…z4, robust (HC0) covariance. Anchor: linearmodels `IV2SLS(...).fit(cov_type="robust")`.
public struct IVWorkload: Sendable {
    /// The dependent variable.
    public let y: [Double]
    /// [const, w1, w2].
    public let exogenous: DesignMatrix
    /// [x1, x2].
    public let endogenous: DesignMatrix
    /// [z1, z2, z3, z4].
    public let instruments: DesignMatrix

    /// Loads `iv`.
    /// - Throws: ``WorkloadError`` for missing data; ``StatsError`` for an invalid design.
    public init(data: WorkloadData) throws {
        let arrays = try data.arrays("iv")
        y = try required(arrays, "iv.y").values
        exogenous = try design(try required(arrays, "iv.exog"), names: ["const", "w1", "w2"])
        endogenous = try design(try required(arrays, "iv.endog"), names: ["x1", "x2"])
        instruments = try design(try required(arrays, "iv.instr"), names: ["z1", "z2", "z3", "z4"])
    }

    /// Fits once: coefficients (exogenous then endogenous), robust standard errors, p-values.
    /// - Throws: ``StatsError`` from the fit.
    public func run() throws -> WorkloadResult {
        let fit = try IV2SLS().fit(
            y: y, exogenous: exogenous, endogenous: endogenous, instruments: instruments, covariance: .hc0)
        let r = fit.regression
        var values = ["params": r.coefficients, "bse": r.standardErrors, "pvalues": r.pValues]
        // The diagnostics every fit computes, for the like-for-like anchor `iv_diagnostics`.
        values["partial_r2"] = fit.firstStage.map(\.partialRSquared)
        values["shea_r2"] = fit.firstStage.map(\.sheaRSquared)
        values["sargan"] = fit.sargan.map { [$0.statistic] } ?? []
        values["basmann"] = fit.basmann.map { [$0.statistic] } ?? []
        values["durbin"] = [fit.durbin.statistic]
        values["wu_hausman"] = [fit.wuHausman.statistic]
        return WorkloadResult(values)
    }
}

/// bootstrap: pairs bootstrap of OLS, n = 200, X = [const, x1…x4], 10,000 replicates, seed 1,
/// no jackknife. Anchor: arch `IIDBootstrap(X, y, seed=1).apply(lstsq, 10000)`.
public struct BootstrapWorkload: Sendable {
    /// The problem.
    public let problem: OLSWorkload
    /// Replicates.
    public let replications: Int
    /// Worker tasks (`nil` = every core).
    public let maxConcurrency: Int?

    /// Loads `bootstrap`.
    /// - Parameters:
    ///   - data: the data source.
    ///   - maxConcurrency: `nil` for every core, 1 for the scaling figure.
    /// - Throws: ``WorkloadError`` for missing data; ``StatsError`` for an invalid design.
    public init(data: WorkloadData, maxConcurrency: Int? = nil) throws {
        problem = try OLSWorkload("bootstrap", data: data)
        replications = data.parameters.bootstrapReplications
        self.maxConcurrency = maxConcurrency
    }

    /// Runs once: the full-sample estimates and the bootstrap standard errors.
    /// - Throws: ``StatsError`` from the bootstrap.
    public func run() async throws -> WorkloadResult {
        let result = try await Bootstrap().regression(
            y: problem.y, design: problem.design, scheme: .pairs,
            options: BootstrapOptions(
                replications: replications, seed: 1, maxConcurrency: maxConcurrency, jackknife: false))
        return WorkloadResult([
            "params": result.estimates, "bootstrap_se": result.standardErrors,
            "replications": [Double(result.replications)],
        ])
    }
}

/// threshold: Hansen's test of no threshold, n = 100, design [const, x], q ~ U(0, 1), supF
/// homoskedastic, default trimming, 1,000 fixed-regressor bootstrap replicates, seed 1.
/// Anchor: the same grid and bootstrap in plain numpy (`compare/anchors.py`).
public struct ThresholdWorkload: Sendable {
    /// The model, prepared (sorted by q) outside the timing.
    public let model: ThresholdRegression
    /// Bootstrap replicates.
    public let replications: Int

    /// Loads `threshold`.
    /// - Throws: ``WorkloadError`` for missing data; ``StatsError`` for invalid data.
    public init(data: WorkloadData) throws {
        let arrays = try data.arrays("threshold")
        model = try ThresholdRegression(
            y: try required(arrays, "threshold.y").values,
            design: try design(try required(arrays, "threshold.X"), names: ["const", "x"]),
            thresholdVariable: try required(arrays, "threshold.q").values)
        replications = data.parameters.thresholdReplications
    }

    /// Tests once: the observed supF and its bootstrap p-value.
    /// - Throws: ``StatsError`` from the test.
    public func run() async throws -> WorkloadResult {
        let test = try await model.testNoThreshold(replications: replications, seed: 1)
        return WorkloadResult(["statistic": [test.value], "pvalue": [test.pValue]])
    }
}

/// var_granger: VAR(4) with a constant on 3 variables, n = 200, then the F test that y2 does not
/// Granger-cause y1. Anchor: statsmodels `VAR(df).fit(4).test_causality("y1", ["y2"], kind="f")`.
public struct VARGrangerWorkload: Sendable {
    /// The model.
    public let model: VARModel

    /// Loads `var_granger`.
    /// - Throws: ``WorkloadError`` for missing data; ``StatsError`` for invalid data.
    public init(data: WorkloadData) throws {
        let array = try required(try data.arrays("var_granger"), "var_granger.data")
        model = try VARModel(
            data: Matrix(rows: array.rows, columns: array.columns, columnMajor: array.values),
            names: ["y1", "y2", "y3"])
    }

    /// Fits and tests once: the coefficients (column-major: regressor × equation), the F
    /// statistic and its p-value.
    /// - Throws: ``StatsError`` from the fit or the test.
    public func run() throws -> WorkloadResult {
        let fit = try model.fit(lags: 4)
        let test = try fit.grangerCausality(caused: ["y1"], causing: ["y2"], kind: .f)
        return WorkloadResult([
            "params": fit.coefficients.storage, "statistic": [test.statistic], "pvalue": [test.pValue],
        ])
    }
}
