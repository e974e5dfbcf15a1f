using System.Text;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The <c>/version</c> document. It reports a v1.33 gitVersion (the API level Skiff implements) so kubectl's
/// version dispatcher picks a matching client; the <c>+skiff</c> build metadata says what is answering.
/// </summary>
internal static class VersionInfo
{
    public const string GitVersion = "v1.33.0+skiff";

    public static readonly byte[] Json = Encoding.UTF8.GetBytes(
        "{\n  \"major\": \"1\",\n  \"minor\": \"33\",\n  \"gitVersion\": \"" + GitVersion + "\",\n  \"gitCommit\": \"0000000000000000000000000000000000000000\",\n  \"gitTreeState\": \"clean\",\n  \"buildDate\": \"2026-11-25T00:00:00Z\",\n  \"goVersion\": \"dotnet10.0\",\n  \"compiler\": \"gc\",\n  \"platform\": \"linux/amd64\"\n}");
}
