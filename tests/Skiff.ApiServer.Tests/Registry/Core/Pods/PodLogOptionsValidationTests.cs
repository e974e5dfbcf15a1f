using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry.Core.Pods;

namespace Skiff.ApiServer.Tests.Registry.Core.Pods;

public sealed class PodLogOptionsValidationTests
{
    [Fact]
    public void ValidValues_Pass()
    {
        PodLogOptionsValidation.Validate("web", Query(("tailLines", "0"), ("limitBytes", "1"), ("sinceTime", "2026-01-02T03:04:05Z"), ("follow", "true")));
        PodLogOptionsValidation.Validate("web", Query(("sinceSeconds", "5")));
    }

    [Fact]
    public void OutOfRange_Is422WithOneCausePerField()
    {
        var e = Assert.Throws<ApiException>(() => PodLogOptionsValidation.Validate("web", Query(("tailLines", "-1"), ("limitBytes", "0"), ("sinceSeconds", "0"))));

        Assert.Equal(422, e.Code);
        Assert.Equal("PodLogOptions \"web\" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0, sinceSeconds: Invalid value: 0: must be greater than 0]", e.Message);
        Assert.Equal(["tailLines", "limitBytes", "sinceSeconds"], e.Details!.Causes.Select(c => c.Field));
    }

    [Fact]
    public void SinceSecondsWithSinceTime_IsForbidden()
    {
        var e = Assert.Throws<ApiException>(() => PodLogOptionsValidation.Validate("web", Query(("sinceSeconds", "10"), ("sinceTime", "2026-01-02T03:04:05Z"))));

        Assert.Equal(422, e.Code);
        Assert.Contains("at most one of `sinceTime` or `sinceSeconds` may be specified", e.Message);
    }

    [Theory]
    [InlineData("tailLines", "ten")]
    [InlineData("sinceTime", "yesterday")]
    public void Unparseable_Is400(string name, string value)
    {
        var e = Assert.Throws<ApiException>(() => PodLogOptionsValidation.Validate("web", Query((name, value))));

        Assert.Equal(400, e.Code);
        Assert.Contains(value, e.Message);
    }

    private static QueryCollection Query(params (string Name, string Value)[] values) =>
        new(values.ToDictionary(v => v.Name, v => new StringValues(v.Value)));
}
