namespace Skiff.Api.Validation;

/// <summary>An accumulating list of field errors, with helpers named after apimachinery's constructors.</summary>
public sealed class FieldErrors : List<FieldError>
{
    public void Required(string field, string detail = "") => Add(new(FieldErrorType.Required, field, null, detail));

    public void Invalid(string field, object? value, string detail) => Add(new(FieldErrorType.Invalid, field, value, detail));

    public void NotSupported(string field, object? value, IEnumerable<string> supported) =>
        Add(new(FieldErrorType.NotSupported, field, value, "supported values: " + string.Join(", ", supported.Select(s => $"\"{s}\""))));

    public void Duplicate(string field, object? value) => Add(new(FieldErrorType.Duplicate, field, value, ""));

    public void Forbidden(string field, string detail) => Add(new(FieldErrorType.Forbidden, field, null, detail));

    public void TooLong(string field, int max) => Add(new(FieldErrorType.TooLong, field, null, $"may not be more than {max} bytes"));

    public void NotFound(string field, object? value) => Add(new(FieldErrorType.NotFound, field, value, ""));

    /// <summary>
    /// Reports an immutable field change with apimachinery's wording ("field is immutable").
    /// </summary>
    public void Immutable(string field, object? value) => Add(new(FieldErrorType.Invalid, field, value, "field is immutable"));

    /// <summary>Joins the errors as Kubernetes' aggregate does: one message, or "[a, b]" for several.</summary>
    public string Aggregate() => Count == 1 ? this[0].ToString() : "[" + string.Join(", ", this.Select(e => e.ToString())) + "]";
}
