namespace Skiff.ApiServer.OpenApi;

/// <summary>An entry of <c>x-kubernetes-group-version-kind</c>.</summary>
internal readonly record struct GroupVersionKind(string Group, string Version, string Kind);
