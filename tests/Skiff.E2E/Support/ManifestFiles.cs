namespace Skiff.E2E.Support;

/// <summary>The YAML manifests shipped with the tests (copied next to the test assembly).</summary>
public static class ManifestFiles
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Manifests", name);
}
