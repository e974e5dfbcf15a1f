namespace Skiff.Client.Api;

/// <summary>Helpers for the idempotent writes of reconcilers: NotFound on delete and AlreadyExists on create count as success.</summary>
public static class ApiErrors
{
    /// <summary>Runs a delete, treating NotFound as success (the object is gone either way).</summary>
    public static async Task<bool> IgnoreNotFoundAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return true;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return false;
        }
    }
}
