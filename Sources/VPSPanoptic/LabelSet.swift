import VPSCore
import VPSFormats

/// A model's label set: its class names, the category id each class label
/// maps to, the category id of each semantic (stuff) class, and the
/// categories exports declare.
///
/// torchvision's "N/A" placeholder labels (12, 26, 29, 30, 45, 66, 68, 69, 71
/// and 83 of its COCO label set) are ids COCO never assigned, with no name
/// and no training data, so every detection of one is noise; COCO's
/// evaluation never scores them, and importers such as Datumaro (CVAT)
/// reject a file whose annotations name a category it does not declare. So
/// they are not categories, and `FrameDetections` drops their detections.
/// `MaskRCNN` itself still returns them, exactly as torchvision does.
public struct LabelSet: Sendable, Equatable {
    /// The model's thing class names; label 0 is the background.
    public var classNames: [String]
    /// The category id of each label (index = label; 0 for the background).
    public var labelCategories: [Int]
    /// The semantic head's class names (0 = 'things'); empty without one.
    public var stuffClassNames: [String]
    /// The category id of each semantic class (index = class; 0 for 'things').
    public var stuffCategories: [Int]
    /// Every category the model can output, as written to exports: things
    /// (every label but the background and the placeholders), then stuff;
    /// labels that map onto one category list it once, by its first name.
    public let categories: [Category]

    /// - Parameters:
    ///   - labelCategories: the category id of each label; nil: each label is its own id.
    ///   - stuffCategories: the category id of each semantic class, 0 for class 0.
    public init(classNames: [String], labelCategories: [Int]? = nil,
                stuffClassNames: [String] = [], stuffCategories: [Int] = []) {
        precondition(labelCategories == nil || labelCategories!.count == classNames.count, "one category per label")
        precondition(stuffCategories.count == stuffClassNames.count, "one category per semantic class")
        let ids = labelCategories ?? Array(classNames.indices)
        self.classNames = classNames
        self.labelCategories = ids
        self.stuffClassNames = stuffClassNames
        self.stuffCategories = stuffCategories
        var all = Self.thingLabels(classNames).map { Category(id: ids[$0], name: classNames[$0], isThing: true) }
        all += stuffClassNames.indices.dropFirst().map {
            Category(id: stuffCategories[$0], name: stuffClassNames[$0], isThing: false)
        }
        var seen = Set<Int>()
        categories = all.filter { seen.insert($0.id).inserted }
    }

    /// The class name torchvision gives the COCO ids that have no category.
    public static let placeholderClassName = "N/A"

    /// Whether `label` is one of torchvision's placeholder classes.
    public static func isPlaceholder(label: Int, classNames: [String]) -> Bool {
        label < classNames.count && classNames[label] == placeholderClassName
    }

    /// The labels that are thing categories: all but the background (0) and the placeholders.
    public static func thingLabels(_ classNames: [String]) -> [Int] {
        classNames.indices.dropFirst().filter { !isPlaceholder(label: $0, classNames: classNames) }
    }

    /// The category id of a model label (a label outside the set is its own id).
    public func category(ofLabel label: Int) -> Int {
        label >= 0 && label < labelCategories.count ? labelCategories[label] : label
    }

    /// A model's raw instances (`category` = label) as instances of this
    /// label set: placeholders dropped, labels replaced by category ids.
    public func instances(fromModelOutput raw: [Instance]) -> [Instance] {
        raw.compactMap { d in
            guard !Self.isPlaceholder(label: d.category, classNames: classNames) else { return nil }
            var mapped = d
            mapped.category = category(ofLabel: d.category)
            return mapped
        }
    }

    /// A semantic head's classes per pixel as stuff category ids (0 where it says 'things').
    public func stuffMap(fromSemantic semantic: LabelMap) -> LabelMap {
        semantic.mapped(through: stuffCategories.map { Int32($0) })
    }

    /// The name of category `id` (its first label's name), or "class <id>".
    public func name(ofCategory id: Int) -> String {
        categories.first { $0.id == id }?.name ?? "class \(id)"
    }
}
