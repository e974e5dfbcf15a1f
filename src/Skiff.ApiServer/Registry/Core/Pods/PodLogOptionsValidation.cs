using System.Globalization;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Validation;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// Checks the query of a pods/log request as kube-apiserver's LogREST does before it contacts the kubelet: a value
/// that does not parse is a 400 (the parameter codec's error), a value out of range is a 422 on the PodLogOptions
/// kind with one cause per field (ValidatePodLogOptions).
/// </summary>
internal static class PodLogOptionsValidation
{
    public static void Validate(string podName, IQueryCollection query)
    {
        var tail = Integer(query, "tailLines");
        var limit = Integer(query, "limitBytes");
        var sinceSeconds = Integer(query, "sinceSeconds");
        var sinceTime = query["sinceTime"].ToString();
        if (sinceTime.Length > 0 && !DateTimeOffset.TryParseExact(sinceTime, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _))
        {
            throw ApiException.BadRequest($"parsing time \"{sinceTime}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"{sinceTime}\" as RFC 3339");
        }

        var errors = new FieldErrors();
        if (tail < 0)
        {
            errors.Invalid("tailLines", tail, "must be greater than or equal to 0");
        }

        if (limit < 1)
        {
            errors.Invalid("limitBytes", limit, "must be greater than 0");
        }

        if (sinceSeconds is not null && sinceTime.Length > 0)
        {
            errors.Forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified");
        }
        else if (sinceSeconds < 1)
        {
            errors.Invalid("sinceSeconds", sinceSeconds, "must be greater than 0");
        }

        if (errors.Count > 0)
        {
            throw new ApiException(422, "Invalid", $"PodLogOptions \"{podName}\" is invalid: {errors.Aggregate()}", new V1StatusDetails
            {
                Name = podName,
                Kind = "PodLogOptions",
                Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = e.Body, Field = e.Field }).ToList(),
            });
        }
    }

    private static long? Integer(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiException.BadRequest($"strconv.ParseInt: parsing \"{text}\": invalid syntax");
    }
}
