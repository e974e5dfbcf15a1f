namespace Skiff.Api.Schema;

/// <summary>How a model type appears in JSON; the categories OpenAPI, field validation and patching care about.</summary>
public enum SchemaKind
{
    /// <summary>A model with named properties (a Go struct).</summary>
    Object,

    /// <summary>A JSON object with arbitrary string keys (<c>IDictionary&lt;string, X&gt;</c>).</summary>
    Map,

    /// <summary>A JSON array (<c>IList&lt;X&gt;</c>).</summary>
    List,

    String,

    /// <summary>int32 or int64; see <see cref="ModelSchema.Format"/>.</summary>
    Integer,

    Number,

    Boolean,

    /// <summary>Kubernetes' intstr.IntOrString: a JSON number or string.</summary>
    IntOrString,

    /// <summary>Kubernetes' resource.Quantity: a string such as "100m" (numbers are accepted on input).</summary>
    Quantity,

    /// <summary>A byte array, base64 in JSON.</summary>
    Bytes,

    /// <summary>A metav1.Time or metav1.MicroTime, an RFC 3339 string.</summary>
    DateTime,

    /// <summary>Free-form JSON (runtime.RawExtension, FieldsV1): anything goes, nothing is checked inside.</summary>
    Any,
}
