namespace Skiff.Api.ManagedFields;

/// <summary>The kinds of values structured-merge-diff distinguishes.</summary>
internal enum ShapeKind
{
    /// <summary>A scalar, or an atomic list, map or struct: owned and replaced as a whole.</summary>
    Leaf,

    /// <summary>A struct with declared fields, merged field by field.</summary>
    Struct,

    /// <summary>A map with arbitrary keys, merged key by key.</summary>
    Map,

    /// <summary>A list of objects identified by their list-map keys.</summary>
    KeyedList,

    /// <summary>A list of scalars treated as a set.</summary>
    SetList,

    /// <summary>No schema: objects merge as maps, lists are atomic.</summary>
    Untyped,
}
