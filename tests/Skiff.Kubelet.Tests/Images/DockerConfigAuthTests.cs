using System.Text;
using Skiff.Kubelet.Images;

namespace Skiff.Kubelet.Tests.Images;

public class DockerConfigAuthTests
{
    [Theory]
    [InlineData("busybox", "docker.io")]
    [InlineData("library/busybox:1", "docker.io")]
    [InlineData("localhost:5000/app:1", "localhost:5000")]
    [InlineData("registry.example.com/team/app@sha256:abc", "registry.example.com")]
    [InlineData("localhost/app", "localhost")]
    public void RegistryHost_follows_docker_reference_rules(string image, string host) => Assert.Equal(host, DockerConfigAuth.RegistryHost(image));

    [Fact]
    public void Match_reads_dockerconfigjson_with_username_password_or_auth()
    {
        var json = """{"auths":{"localhost:5000":{"auth":"dXNlcjpwYXNz"},"https://other.io/v1/":{"username":"u2","password":"p2"}}}""";
        var data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes(json) };

        var local = Assert.Single(DockerConfigAuth.Match("localhost:5000/app:1", data));
        Assert.Equal(("user", "pass"), (local.Username, local.Password));
        var other = Assert.Single(DockerConfigAuth.Match("other.io/x", data));
        Assert.Equal(("u2", "p2"), (other.Username, other.Password));
        Assert.Empty(DockerConfigAuth.Match("busybox", data));
        Assert.Empty(DockerConfigAuth.Match("busybox", null));
    }
}
