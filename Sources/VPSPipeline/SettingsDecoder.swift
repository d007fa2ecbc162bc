import VPSCore

extension SettingValue {
    /// The value as `type` under the rules every stage setting follows: a
    /// string is only a string, a whole number only an `.int`, a number an
    /// `.int` or a `.double`, and a boolean only `true` or `false`. Nil when
    /// the value is not of that kind.
    func converted<T>(to type: T.Type) -> T? {
        switch (self, type) {
        case (.string(let s), is String.Type): return s as? T
        case (.bool(let b), is Bool.Type): return b as? T
        case (.int(let i), is Int.Type): return i as? T
        case (.int(let i), is Double.Type): return Double(i) as? T
        case (.double(let d), is Double.Type): return d as? T
        case (.int(let i), is Float.Type): return Float(i) as? T
        case (.double(let d), is Float.Type): return Float(d) as? T
        default: return nil
        }
    }

    /// What a setting of `type` must be, as messages say it.
    static func expected<T>(_ type: T.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Double.Type, is Float.Type: return "a number"
        default: return "a whole number"
        }
    }
}

/// A `Decoder` over one stage's settings (a flat mapping of keys to
/// `SettingValue`s), so that a `Decodable` settings type reads them with
/// `SettingValue.converted(to:)`'s rules. A value of the wrong kind is
/// `VPSError.invalidPipeline("setting '<key>' of stage '<stage>' must be <kind>, got '<value>'")`.
struct SettingsDecoder: Decoder {
    let settings: StageSettings
    var codingPath: [CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed<Key>(settings: settings))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        throw VPSError.invalidPipeline("the settings of stage '\(settings.stage)' are a mapping, not a list")
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        throw VPSError.invalidPipeline("the settings of stage '\(settings.stage)' are a mapping, not a value")
    }

    /// The setting `key` as `T`.
    static func value<T>(_ type: T.Type, _ key: String, in settings: StageSettings) throws -> T {
        guard let v = settings.values[key] else {
            throw VPSError.invalidPipeline("stage '\(settings.stage)' needs setting '\(key)'")
        }
        guard let t = v.converted(to: type) else {
            throw VPSError.invalidPipeline("setting '\(key)' of stage '\(settings.stage)' must be \(SettingValue.expected(type)), got '\(v)'")
        }
        return t
    }

    /// The setting `key` as an integer type other than `Int`.
    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ key: String, in settings: StageSettings) throws -> T {
        let i = try value(Int.self, key, in: settings)
        guard let t = T(exactly: i) else {
            throw VPSError.invalidPipeline("setting '\(key)' of stage '\(settings.stage)' must be a whole number within \(T.min)…\(T.max), got '\(i)'")
        }
        return t
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let settings: StageSettings
        var codingPath: [CodingKey] { [] }
        var allKeys: [Key] { settings.values.keys.sorted().compactMap(Key.init(stringValue:)) }

        func contains(_ key: Key) -> Bool { settings.values[key.stringValue] != nil }
        func decodeNil(forKey key: Key) throws -> Bool { false }

        private func value<T>(_ type: T.Type, _ key: Key) throws -> T {
            try SettingsDecoder.value(type, key.stringValue, in: settings)
        }

        private func integer<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T {
            try SettingsDecoder.integer(type, key.stringValue, in: settings)
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(type, key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(type, key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(type, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(type, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(type, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }

        /// A type of its own (e.g. a `String` enum) decodes from the one value under `key`.
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try T(from: Single(settings: settings, key: key.stringValue))
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw VPSError.invalidPipeline("setting '\(key.stringValue)' of stage '\(settings.stage)' must be a single value")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
            throw VPSError.invalidPipeline("setting '\(key.stringValue)' of stage '\(settings.stage)' must be a single value")
        }

        func superDecoder() throws -> Decoder { SettingsDecoder(settings: settings) }
        func superDecoder(forKey key: Key) throws -> Decoder { Single(settings: settings, key: key.stringValue) }
    }

    /// The decoder, and its single-value container, of one setting.
    struct Single: Decoder, SingleValueDecodingContainer {
        let settings: StageSettings
        let key: String
        var codingPath: [CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
            throw VPSError.invalidPipeline("setting '\(key)' of stage '\(settings.stage)' must be a single value")
        }
        func unkeyedContainer() throws -> UnkeyedDecodingContainer {
            throw VPSError.invalidPipeline("setting '\(key)' of stage '\(settings.stage)' must be a single value")
        }
        func singleValueContainer() throws -> SingleValueDecodingContainer { self }

        func decodeNil() -> Bool { settings.values[key] == nil }
        private func value<T>(_ type: T.Type) throws -> T { try SettingsDecoder.value(type, key, in: settings) }
        private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            try SettingsDecoder.integer(type, key, in: settings)
        }

        func decode(_ type: Bool.Type) throws -> Bool { try value(type) }
        func decode(_ type: String.Type) throws -> String { try value(type) }
        func decode(_ type: Double.Type) throws -> Double { try value(type) }
        func decode(_ type: Float.Type) throws -> Float { try value(type) }
        func decode(_ type: Int.Type) throws -> Int { try value(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
    }
}
