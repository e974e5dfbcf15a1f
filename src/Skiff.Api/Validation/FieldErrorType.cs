namespace Skiff.Api.Validation;

/// <summary>The kinds of field errors Kubernetes reports, each with its Status cause reason.</summary>
public enum FieldErrorType
{
    Required,
    Invalid,
    NotSupported,
    Duplicate,
    Forbidden,
    TooLong,
    TooMany,
    NotFound,
    Internal,
}
