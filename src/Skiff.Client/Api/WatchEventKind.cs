namespace Skiff.Client.Api;

/// <summary>The <c>type</c> of one watch event, as the API server frames it.</summary>
public enum WatchEventKind
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}
