using System.Text.Json;
using k8s.Models;

using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Http;

/// <summary>
/// Serializes <c>Status</c> objects. KubernetesClient's V1Status converter only reads, so the server writes
/// the fields itself in the order kube-apiserver does.
/// </summary>
internal static class StatusJson
{
    public static byte[] Write(V1Status s)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, ApiJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", "Status");
            w.WriteString("apiVersion", "v1");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteString("status", s.Status);
            if (s.Message is not null)
            {
                w.WriteString("message", s.Message);
            }

            if (s.Reason is not null)
            {
                w.WriteString("reason", s.Reason);
            }

            if (s.Details is { } d)
            {
                w.WriteStartObject("details");
                if (d.Name is not null)
                {
                    w.WriteString("name", d.Name);
                }

                if (d.Group is not null)
                {
                    w.WriteString("group", d.Group);
                }

                if (d.Kind is not null)
                {
                    w.WriteString("kind", d.Kind);
                }

                if (d.Uid is not null)
                {
                    w.WriteString("uid", d.Uid);
                }

                if (d.Causes is { Count: > 0 })
                {
                    w.WriteStartArray("causes");
                    foreach (var c in d.Causes)
                    {
                        w.WriteStartObject();
                        if (c.Reason is not null)
                        {
                            w.WriteString("reason", c.Reason);
                        }

                        if (c.Message is not null)
                        {
                            w.WriteString("message", c.Message);
                        }

                        if (c.Field is not null)
                        {
                            w.WriteString("field", c.Field);
                        }

                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                if (d.RetryAfterSeconds is { } r)
                {
                    w.WriteNumber("retryAfterSeconds", r);
                }

                w.WriteEndObject();
            }

            if (s.Code is { } code)
            {
                w.WriteNumber("code", code);
            }

            w.WriteEndObject();
        }

        return ms.ToArray();
    }
}
