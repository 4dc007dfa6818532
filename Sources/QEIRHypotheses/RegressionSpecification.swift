public import QEIRData
public import QEIRStats

/// A single regression described by column names, as `qeir regress` takes it: OLS, or 2SLS
/// when endogenous regressors and instruments are given.
public struct RegressionSpecification: Sendable, Hashable {
    /// The dependent variable's column.
    public var y: String
    /// Exogenous regressor columns (the constant is added unless ``constant`` is false).
    public var x: [String]
    /// Add a constant named `const` (first).
    public var constant: Bool = true
    /// Endogenous regressor columns (2SLS when non-empty).
    public var endogenous: [String] = []
    /// Excluded instrument columns (2SLS).
    public var instruments: [String] = []
    /// Covariance kind.
    public var covariance: CovarianceOptions.Kind = .nonrobust
    /// HAC lags (`nil`: Newey–West 1994 automatic bandwidth).
    public var hacLags: Int?
    /// Cluster column (for `.cluster`); its values may be any text.
    public var clusterColumn: String?
    /// The small-sample convention: statsmodels' `use_correction` for OLS HAC/cluster (cluster
    /// defaults to on), linearmodels' `debiased` for 2SLS. `nil` keeps each library's default.
    public var smallSample: Bool?
    /// What to do with collinear regressors.
    public var rankDeficiency: RankDeficiencyPolicy = .error

    /// Creates a specification.
    public init(y: String, x: [String], constant: Bool = true) {
        self.y = y
        self.x = x
        self.constant = constant
    }

    /// Whether this is a 2SLS model.
    public var isInstrumental: Bool { !endogenous.isEmpty || !instruments.isEmpty }

    /// Fits the model on `table`.
    /// - Throws: ``DataError`` for missing or non-numeric columns (named, with row and value),
    ///   ``StatsError`` for estimation problems (collinearity, n ≤ k, under-identification…).
    public func fit(on table: DataTable) throws -> RegressionOutcome {
        var seen = Set<String>()
        for name in [y] + x + endogenous + instruments {
            guard seen.insert(name).inserted else {
                throw StatsError(
                    .duplicateColumn,
                    "Column '\(name)' is used twice in the model (as the dependent variable, a regressor or an instrument); each column may appear once.",
                    context: ["column": name])
            }
        }
        if !endogenous.isEmpty && instruments.isEmpty {
            throw StatsError(
                .underidentified,
                "Endogenous regressor(s) \(endogenous.joined(separator: ", ")) have no instruments; pass at least one instrument per endogenous regressor.",
                context: ["endogenous": endogenous.joined(separator: ",")])
        }
        if endogenous.isEmpty && !instruments.isEmpty {
            throw StatsError(
                .invalidArgument,
                "Instruments (\(instruments.joined(separator: ", "))) were given without endogenous regressors; name the endogenous regressors too."
            )
        }
        let yValues = try table.numericColumn(y)
        func block(_ names: [String], constant: Bool) throws -> DesignMatrix {
            try DesignMatrix(
                columns: try names.map { (name: $0, values: try table.numericColumn($0)) }, constant: constant,
                nobs: table.rowCount)
        }
        var options = CovarianceOptions(kind: covariance, hacLags: hacLags, smallSample: smallSample)
        if covariance == .cluster {
            guard let clusterColumn else {
                throw StatsError(
                    .invalidArgument, "Cluster-robust covariance needs a cluster column (--cluster COLUMN).")
            }
            options = .cluster(try table.textColumn(clusterColumn), smallSample: smallSample)
        }
        let exog = try block(x, constant: constant)
        let linear = LinearModelOptions(rankDeficiency: rankDeficiency)
        if isInstrumental {
            let result = try IV2SLS(options: linear).fit(
                y: yValues, exogenous: exog, endogenous: try block(endogenous, constant: false),
                instruments: try block(instruments, constant: false), covariance: options,
                debiased: smallSample ?? false, yName: y)
            return .iv(result)
        }
        return .ols(try OLS(options: linear).fit(y: yValues, design: exog, covariance: options, yName: y))
    }
}

/// The result of fitting a ``RegressionSpecification``.
public enum RegressionOutcome: Sendable, Hashable {
    /// An OLS fit.
    case ols(RegressionResult)
    /// A 2SLS fit with diagnostics.
    case iv(IVResult)

    /// The coefficient-level result (the second stage for 2SLS).
    public var regression: RegressionResult {
        switch self {
        case let .ols(r): r
        case let .iv(r): r.regression
        }
    }
}
