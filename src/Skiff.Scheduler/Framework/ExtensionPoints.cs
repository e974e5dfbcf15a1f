namespace Skiff.Scheduler.Framework;

/// <summary>The extension point names of KubeSchedulerConfiguration's plugins field.</summary>
internal static class ExtensionPoints
{
    public const string PreFilter = "preFilter";
    public const string Filter = "filter";
    public const string PostFilter = "postFilter";
    public const string PreScore = "preScore";
    public const string Score = "score";
    public const string Reserve = "reserve";
    public const string Permit = "permit";
    public const string PreBind = "preBind";
    public const string Bind = "bind";

    public static readonly IReadOnlyList<string> All = [PreFilter, Filter, PostFilter, PreScore, Score, Reserve, Permit, PreBind, Bind];
}
