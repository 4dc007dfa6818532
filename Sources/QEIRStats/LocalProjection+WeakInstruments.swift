extension LocalProjection {
    /// LP-IV: adds Montiel Olea & Pflueger's effective F test and the Anderson–Rubin sets (one
    /// per band level) of horizon `h` to `horizon`, with the covariance and small-sample
    /// convention of its 2SLS fit (the shock is the endogenous regressor, every other regressor
    /// exogenous).
    func addWeakInstrumentInference(
        _ horizon: inout LPHorizon, _ design: LPHorizonDesign, _ covariance: CovarianceOptions,
        _ spec: LocalProjectionSpecification
    ) throws {
        guard let instruments = design.instruments else { return }
        let shockIndex = 1
        let exogenous = design.regressors.selecting((0..<design.regressors.count).filter { $0 != shockIndex })
        let moments = try IVMoments(
            y: design.dependent, exogenous: exogenous, endogenous: design.regressors.matrix.column(shockIndex),
            instruments: instruments, covariance: covariance, debiased: spec.debiased)
        horizon.effectiveF = try WeakInstruments.effectiveF(moments: moments, threshold: 0.10, size: 0.05)
        horizon.andersonRubin = try spec.levels.map {
            try WeakInstruments.andersonRubin(moments: moments, debiased: spec.debiased, level: $0, method: nil)
        }
    }
}
