namespace Skiff.ApiServer.Registry;

/// <summary>One column of a <c>meta.k8s.io/v1</c> Table, as kube-apiserver's printers define it.</summary>
/// <param name="Name">Header text kubectl prints (upper-cased by kubectl), e.g. <c>Name</c>, <c>Ready</c>.</param>
/// <param name="Type">OpenAPI type: string, integer, number, boolean, date.</param>
/// <param name="Description">The column's description.</param>
/// <param name="Priority">0 = always shown; 1 = only with <c>-o wide</c>.</param>
/// <param name="Format">OpenAPI format, e.g. <c>name</c> for the name column.</param>
public sealed record TableColumn(string Name, string Type, string Description, int Priority = 0, string Format = "");
