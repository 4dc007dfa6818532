extension DataError.Code {
    /// The FRED API key is missing or is not 32 lower-case letters and digits.
    public static let fredInvalidAPIKey = Self(rawValue: "fred_invalid_api_key")
    /// FRED rejected the API key (not registered).
    public static let fredAPIKeyRejected = Self(rawValue: "fred_api_key_rejected")
    /// The series does not exist in FRED.
    public static let fredSeriesNotFound = Self(rawValue: "fred_series_not_found")
    /// The series exists in FRED but not in ALFRED (no vintages for the real-time period).
    public static let fredNotInALFRED = Self(rawValue: "fred_not_in_alfred")
    /// The request names more vintage dates than FRED accepts (2000).
    public static let fredTooManyVintageDates = Self(rawValue: "fred_too_many_vintage_dates")
    /// FRED refused the request for exceeding its rate limit (HTTP 429) on every attempt.
    public static let fredRateLimited = Self(rawValue: "fred_rate_limited")
    /// FRED answered with a server error (HTTP 5xx) on every attempt.
    public static let fredServerError = Self(rawValue: "fred_server_error")
    /// The request timed out on every attempt.
    public static let fredTimeout = Self(rawValue: "fred_timeout")
    /// A network failure other than a timeout.
    public static let fredNetwork = Self(rawValue: "fred_network")
    /// FRED rejected the request (HTTP 400) for another reason.
    public static let fredBadRequest = Self(rawValue: "fred_bad_request")
    /// The response is not the JSON FRED documents (malformed or truncated).
    public static let fredMalformedResponse = Self(rawValue: "fred_malformed_response")
    /// A request argument is invalid before anything is sent.
    public static let fredInvalidArgument = Self(rawValue: "fred_invalid_argument")
}
