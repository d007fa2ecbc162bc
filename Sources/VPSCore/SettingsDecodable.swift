/// A group of settings decoded from a pipeline stage's settings (or any
/// `Decoder`, e.g. JSON): the defaults are those of `init()`, the keys are the
/// cases of `CodingKeys` (snake_case raw values), and `validate()` checks
/// ranges. A key that is absent keeps its default; a key that is not one of
/// `CodingKeys`'s is an error.
///
/// A conforming type writes its `init(from:)` with `decoded(from:_:)`, one
/// line per key:
///
/// ```swift
/// public init(from decoder: Decoder) throws {
///     self = try Self.decoded(from: decoder) { c, s in
///         try c.decode(.crf, into: &s.crf)
///     }
/// }
/// ```
public protocol SettingsDecodable: Decodable {
    /// One case per setting; `stringValue` is the key as a pipeline writes it.
    associatedtype CodingKeys: CodingKey & CaseIterable
    /// The name that begins messages about these settings (e.g. "track").
    static var settingsOwner: String { get }
    /// Every setting at its default.
    init()
    /// Checks ranges; throws `VPSError.invalidPipeline` (or `.invalidArgument`) naming the key.
    func validate() throws
}

extension SettingsDecodable {
    /// Every key, in `CodingKeys`'s order (for a stage table's `keys`).
    public static var settingKeys: [String] { CodingKeys.allCases.map(\.stringValue) }

    public func validate() throws {}

    /// `init()`, then `body` with the keyed container once every key present
    /// is one of `CodingKeys`'s, then `validate()`. An unknown key is
    /// `VPSError.invalidPipeline("<owner>: unknown setting '<key>' (valid: …)")`.
    public static func decoded(from decoder: Decoder,
                               _ body: (KeyedDecodingContainer<CodingKeys>, inout Self) throws -> Void) throws -> Self {
        let valid = settingKeys
        let present = try decoder.container(keyedBy: AnySettingKey.self).allKeys.map(\.stringValue)
        if let bad = present.sorted().first(where: { !valid.contains($0) }) {
            throw VPSError.invalidPipeline("\(settingsOwner): unknown setting '\(bad)' (valid: \(valid.joined(separator: ", ")))")
        }
        var settings = Self()
        try body(try decoder.container(keyedBy: CodingKeys.self), &settings)
        try settings.validate()
        return settings
    }
}

extension KeyedDecodingContainer {
    /// Sets `value` to the setting under `key` when there is one; leaves it
    /// (the default) otherwise.
    public func decode<T: Decodable>(_ key: Key, into value: inout T) throws {
        if let v = try decodeIfPresent(T.self, forKey: key) { value = v }
    }

    /// Sets an optional setting when there is one; leaves it (nil, or its default) otherwise.
    public func decode<T: Decodable>(_ key: Key, into value: inout T?) throws {
        if let v = try decodeIfPresent(T.self, forKey: key) { value = v }
    }
}

/// Any key, for listing the keys a container holds.
struct AnySettingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer {
    /// Sets `value` to the case the setting under `key` names, when there is
    /// one; an unknown name is `VPSError.invalidPipeline("<what> '<name>' is
    /// unknown; valid: …")`, listing the cases in order.
    public func decode<T: RawRepresentable & CaseIterable>(_ key: Key, into value: inout T, what: String) throws
    where T.RawValue == String {
        guard let name = try decodeIfPresent(String.self, forKey: key) else { return }
        guard let v = T(rawValue: name) else {
            throw VPSError.invalidPipeline("\(what) '\(name)' is unknown; valid: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        value = v
    }
}
