/// COCO panoptic's 133 categories (80 things, 53 stuff) and Detectron2's
/// contiguous class indices for them, which its Panoptic FPN model-zoo
/// checkpoints predict.
///
/// - Things: Detectron2 class c (0…79) is the c-th thing in COCO-id order
///   (person = 0 … toothbrush, id 90, = 79); vps label c + 1.
/// - Stuff: semantic class s (1…53) is the s-th stuff category in COCO-id
///   order (banner, id 92, = 1 … rug-merged, id 200, = 53); class 0 is
///   'things'.
public enum COCOPanoptic {
    /// One category.
    public struct Category: Equatable, Sendable {
        public var id: Int
        public var name: String
        public var isThing: Bool
        /// panopticapi's display colour.
        public var color: (r: UInt8, g: UInt8, b: UInt8)

        public static func == (a: Category, b: Category) -> Bool {
            a.id == b.id && a.name == b.name && a.isThing == b.isThing && a.color == b.color
        }
    }

    /// All 133, in COCO-id order.
    public static let categories: [Category] = table.map {
        Category(id: $0.id, name: $0.name, isThing: $0.isThing, color: (r: $0.color.0, g: $0.color.1, b: $0.color.2))
    }
    /// The 80 things, in Detectron2's contiguous order.
    public static let things: [Category] = categories.filter(\.isThing)
    /// The 53 stuff categories, in Detectron2's semantic order (from class 1).
    public static let stuff: [Category] = categories.filter { !$0.isThing }

    /// vps `classNames` for a Detectron2 COCO model: the background, then the 80 things.
    public static var thingClassNames: [String] { ["__background__"] + things.map(\.name) }
    /// vps `categoryIds` for those labels: 0 for the background, then COCO ids.
    public static var thingCategoryIds: [Int] { [0] + things.map(\.id) }
    /// The semantic head's 54 class names: 'things', then the stuff categories.
    public static var semanticClassNames: [String] { ["things"] + stuff.map(\.name) }
    /// The COCO id of each stuff class 1…53 (entry s − 1).
    public static var stuffCategoryIds: [Int] { stuff.map(\.id) }
}
