namespace Skiff.Api.Selectors;

/// <summary>Label selector operators (apimachinery's selection.Operator).</summary>
public enum SelectorOperator
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}
