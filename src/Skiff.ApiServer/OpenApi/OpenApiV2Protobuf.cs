using System.Text.Json;

namespace Skiff.ApiServer.OpenApi;

/// <summary>
/// Encodes the swagger 2.0 document in the protobuf form client-go asks for first
/// (<c>application/com.github.proto-openapi.spec.v2@v1.0+protobuf</c>: gnostic's openapi.v2.Document).
/// kubectl 1.27 and 1.28 read only this form for <c>explain</c> and for their field-validation
/// capability check. Vendor extensions travel as YAML text, as gnostic stores them; JSON is valid YAML.
/// </summary>
internal static class OpenApiV2Protobuf
{
    /// <summary>The media type client-go puts in Accept.</summary>
    public const string MediaType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    /// <summary>
    /// The Content-Type of the answer: the same type spelled without '@', which Go's mime parser
    /// rejects (client-go fails with "unexpected content after media subtype" otherwise).
    /// </summary>
    public const string ResponseMediaType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    // Field numbers of gnostic's OpenAPIv2.proto (package openapi.v2).
    private static class DocumentField
    {
        public const int Swagger = 1, Info = 2, Paths = 8, Definitions = 9, Security = 12, SecurityDefinitions = 13;
    }

    public static byte[] Encode(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var writer = new ProtobufWriter();
        writer.String(DocumentField.Swagger, root.GetProperty("swagger").GetString());
        writer.Message(DocumentField.Info, info =>
        {
            var element = root.GetProperty("info");
            info.String(1, element.GetProperty("title").GetString());
            info.String(2, element.GetProperty("version").GetString());
        });
        writer.Message(DocumentField.Paths, paths =>
        {
            foreach (var path in root.GetProperty("paths").EnumerateObject())
            {
                paths.Message(2, named =>
                {
                    named.String(1, path.Name);
                    named.Message(2, item => PathItem(item, path.Value));
                });
            }
        });
        writer.Message(DocumentField.Definitions, definitions =>
        {
            foreach (var definition in root.GetProperty("definitions").EnumerateObject())
            {
                definitions.Message(1, named =>
                {
                    named.String(1, definition.Name);
                    named.Message(2, schema => Schema(schema, definition.Value));
                });
            }
        });
        if (root.TryGetProperty("security", out var security))
        {
            foreach (var requirement in security.EnumerateArray())
            {
                writer.Message(DocumentField.Security, message =>
                {
                    foreach (var scheme in requirement.EnumerateObject())
                    {
                        message.Message(1, named =>
                        {
                            named.String(1, scheme.Name);
                            named.Message(2, array =>
                            {
                                foreach (var value in scheme.Value.EnumerateArray())
                                {
                                    array.RepeatedString(1, value.GetString()!);
                                }
                            });
                        });
                    }
                });
            }
        }

        if (root.TryGetProperty("securityDefinitions", out var securityDefinitions))
        {
            writer.Message(DocumentField.SecurityDefinitions, message =>
            {
                foreach (var scheme in securityDefinitions.EnumerateObject())
                {
                    message.Message(1, named =>
                    {
                        named.String(1, scheme.Name);
                        // SecurityDefinitionsItem.api_key_security = 2: ApiKeySecurity{type, name, in, description}.
                        named.Message(2, item => item.Message(2, key =>
                        {
                            key.String(1, Str(scheme.Value, "type"));
                            key.String(2, Str(scheme.Value, "name"));
                            key.String(3, Str(scheme.Value, "in"));
                            key.String(4, Str(scheme.Value, "description"));
                        }));
                    });
                }
            });
        }

        return writer.WrittenSpan.ToArray();
    }

    private static void PathItem(ProtobufWriter item, JsonElement path)
    {
        foreach (var member in path.EnumerateObject())
        {
            var field = member.Name switch { "get" => 2, "put" => 3, "post" => 4, "delete" => 5, "patch" => 8, _ => 0 };
            if (field != 0)
            {
                item.Message(field, op => Operation(op, member.Value));
            }
        }

        if (path.TryGetProperty("parameters", out var parameters))
        {
            foreach (var parameter in parameters.EnumerateArray())
            {
                item.Message(9, p => ParametersItem(p, parameter));
            }
        }
    }

    private static void Operation(ProtobufWriter op, JsonElement element)
    {
        Strings(op, 1, element, "tags");
        op.String(3, Str(element, "description"));
        op.String(5, Str(element, "operationId"));
        Strings(op, 6, element, "produces");
        Strings(op, 7, element, "consumes");
        if (element.TryGetProperty("parameters", out var parameters))
        {
            foreach (var parameter in parameters.EnumerateArray())
            {
                op.Message(8, p => ParametersItem(p, parameter));
            }
        }

        if (element.TryGetProperty("responses", out var responses))
        {
            op.Message(9, message =>
            {
                foreach (var response in responses.EnumerateObject())
                {
                    message.Message(1, named =>
                    {
                        named.String(1, response.Name);
                        named.Message(2, value => value.Message(1, r =>
                        {
                            r.String(1, Str(response.Value, "description"));
                            if (response.Value.TryGetProperty("schema", out var schema))
                            {
                                r.Message(2, item => item.Message(1, s => Schema(s, schema)));
                            }
                        }));
                    });
                }
            });
        }

        Strings(op, 10, element, "schemes");
        VendorExtensions(op, 13, element);
    }

    private static void ParametersItem(ProtobufWriter item, JsonElement parameter)
    {
        // ParametersItem.parameter = 1 → Parameter{body_parameter = 1 | non_body_parameter = 2}.
        item.Message(1, p =>
        {
            var location = Str(parameter, "in");
            if (location == "body")
            {
                p.Message(1, body =>
                {
                    body.String(1, Str(parameter, "description"));
                    body.String(2, Str(parameter, "name"));
                    body.String(3, location);
                    body.Bool(4, Bool(parameter, "required"));
                    if (parameter.TryGetProperty("schema", out var schema))
                    {
                        body.Message(5, s => Schema(s, schema));
                    }
                });
                return;
            }

            p.Message(2, nonBody =>
            {
                if (location == "path")
                {
                    // PathParameterSubSchema: required 1, in 2, description 3, name 4, type 5, unique_items 19.
                    nonBody.Message(4, sub =>
                    {
                        sub.Bool(1, Bool(parameter, "required"));
                        sub.String(2, location);
                        sub.String(3, Str(parameter, "description"));
                        sub.String(4, Str(parameter, "name"));
                        sub.String(5, Str(parameter, "type"));
                        sub.Bool(19, Bool(parameter, "uniqueItems"));
                    });
                }
                else
                {
                    // QueryParameterSubSchema: required 1, in 2, description 3, name 4, type 6, unique_items 20.
                    nonBody.Message(3, sub =>
                    {
                        sub.Bool(1, Bool(parameter, "required"));
                        sub.String(2, location);
                        sub.String(3, Str(parameter, "description"));
                        sub.String(4, Str(parameter, "name"));
                        sub.String(6, Str(parameter, "type"));
                        sub.Bool(20, Bool(parameter, "uniqueItems"));
                    });
                }
            });
        });
    }

    private static void Schema(ProtobufWriter schema, JsonElement element)
    {
        schema.String(1, Str(element, "$ref"));
        schema.String(2, Str(element, "format"));
        schema.String(4, Str(element, "description"));
        Strings(schema, 19, element, "required");
        if (element.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
        {
            schema.Message(21, item => item.Message(1, s => Schema(s, additional)));
        }

        if (element.TryGetProperty("type", out var type))
        {
            schema.Message(22, item => item.RepeatedString(1, type.GetString()!));
        }

        if (element.TryGetProperty("items", out var items))
        {
            schema.Message(23, item => item.Message(1, s => Schema(s, items)));
        }

        if (element.TryGetProperty("allOf", out var allOf))
        {
            foreach (var part in allOf.EnumerateArray())
            {
                schema.Message(24, s => Schema(s, part));
            }
        }

        if (element.TryGetProperty("properties", out var properties))
        {
            schema.Message(25, message =>
            {
                foreach (var property in properties.EnumerateObject())
                {
                    message.Message(1, named =>
                    {
                        named.String(1, property.Name);
                        named.Message(2, s => Schema(s, property.Value));
                    });
                }
            });
        }

        VendorExtensions(schema, 31, element);
    }

    private static void VendorExtensions(ProtobufWriter writer, int field, JsonElement element)
    {
        foreach (var member in element.EnumerateObject())
        {
            if (!member.Name.StartsWith("x-", StringComparison.Ordinal))
            {
                continue;
            }

            writer.Message(field, named =>
            {
                named.String(1, member.Name);
                // Any.yaml = 2; the value's JSON text is also its YAML text.
                named.Message(2, any => any.String(2, member.Value.GetRawText() + "\n"));
            });
        }
    }

    private static void Strings(ProtobufWriter writer, int field, JsonElement element, string name)
    {
        if (element.TryGetProperty(name, out var values))
        {
            foreach (var value in values.EnumerateArray())
            {
                writer.RepeatedString(field, value.GetString()!);
            }
        }
    }

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}
