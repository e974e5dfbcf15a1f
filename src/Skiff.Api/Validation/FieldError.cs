using System.Globalization;
using System.Text.Json;

namespace Skiff.Api.Validation;

/// <summary>
/// One validation failure at a field path, rendered the way apimachinery's field.Error renders it,
/// so messages read exactly as kubectl users know them (e.g. <c>spec.replicas: Invalid value: -1: must be greater than or equal to 0</c>).
/// </summary>
public sealed record FieldError(FieldErrorType Type, string Field, object? BadValue, string Detail)
{
    /// <summary>The StatusCause reason, e.g. <c>FieldValueRequired</c>.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.NotFound => "FieldValueNotFound",
        _ => "InternalError",
    };

    private string TypeText => Type switch
    {
        FieldErrorType.Required => "Required value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.NotFound => "Not found",
        _ => "Internal error",
    };

    /// <summary>The message without the field path (the StatusCause message).</summary>
    public string Body
    {
        get
        {
            var text = TypeText;
            if (Type is FieldErrorType.Invalid or FieldErrorType.NotSupported or FieldErrorType.Duplicate or FieldErrorType.NotFound)
            {
                text += ": " + FormatValue(BadValue);
            }

            return string.IsNullOrEmpty(Detail) ? text : $"{text}: {Detail}";
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Field}: {Body}";

    private static string FormatValue(object? value) => value switch
    {
        null => "null",
        string s => JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value, value.GetType()),
    };
}
