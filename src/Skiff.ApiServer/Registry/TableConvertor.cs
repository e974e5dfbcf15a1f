namespace Skiff.ApiServer.Registry;

/// <summary>
/// Turns objects of one resource into Table rows for <c>kubectl get</c>, with the same columns and cell
/// text as kube-apiserver's printers for that resource. Implementations are stateless and thread-safe.
/// </summary>
internal abstract class TableConvertor<T>
{
    /// <summary>The column definitions, in order.</summary>
    public abstract IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>
    /// The cells of one row: one per column, each a string, long, int, double, bool or null.
    /// <paramref name="now"/> is the time that ages are computed against.
    /// </summary>
    public abstract object?[] Cells(T obj, DateTime now);
}
