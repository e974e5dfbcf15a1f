namespace Skiff.ApiServer.OpenApi;

/// <summary>Settings of the generated OpenAPI documents.</summary>
public sealed class OpenApiOptions
{
    /// <summary>
    /// The KubernetesClient XML documentation file the field descriptions come from. When null it is
    /// looked for beside the KubernetesClient assembly, in the application directory and in the NuGet
    /// package cache; when none is found the documents have no descriptions.
    /// </summary>
    public string? ModelDocumentationPath { get; set; }
}
