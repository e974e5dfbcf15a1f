namespace Skiff.ApiServer.Registry;

/// <summary>The <c>fieldValidation</c> query parameter: what to do with unknown or duplicate fields in a body.</summary>
internal enum FieldValidationMode
{
    Ignore,
    Warn,
    Strict,
}
