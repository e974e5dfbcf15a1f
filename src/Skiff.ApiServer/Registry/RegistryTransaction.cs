namespace Skiff.ApiServer.Registry;

/// <summary>The outcome handlers of a storage hook's begin step; see <see cref="IRegistryHooks{T}"/>.</summary>
internal sealed class RegistryTransaction(Func<ValueTask>? commit, Func<ValueTask>? revert)
{
    public static readonly RegistryTransaction None = new(null, null);

    public ValueTask CommitAsync() => commit?.Invoke() ?? ValueTask.CompletedTask;

    public ValueTask RevertAsync() => revert?.Invoke() ?? ValueTask.CompletedTask;
}
