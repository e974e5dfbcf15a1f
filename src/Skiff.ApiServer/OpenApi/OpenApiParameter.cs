namespace Skiff.ApiServer.OpenApi;

/// <summary>A query or path parameter as kube-apiserver publishes it on its operations.</summary>
internal sealed record OpenApiParameter(string Name, string In, string Type, string Description, bool Required = false)
{
    public static readonly OpenApiParameter Pretty = Query("pretty", "string", "If 'true', then the output is pretty printed.");
    public static readonly OpenApiParameter Namespace = new("namespace", "path", "string", "object name and auth scope, such as for teams and projects", Required: true);

    public static readonly OpenApiParameter DryRun = Query("dryRun", "string",
        "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed");

    public static readonly OpenApiParameter FieldManager = Query("fieldManager", "string",
        "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.");

    public static readonly OpenApiParameter PatchFieldManager = Query("fieldManager", "string",
        "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).");

    public static readonly OpenApiParameter FieldValidation = Query("fieldValidation", "string",
        "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.");

    public static readonly OpenApiParameter Force = Query("force", "boolean",
        "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.");

    public static readonly OpenApiParameter GracePeriodSeconds = Query("gracePeriodSeconds", "integer",
        "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.");

    public static readonly OpenApiParameter OrphanDependents = Query("orphanDependents", "boolean",
        "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the \"orphan\" finalizer will be added to/removed from the object's finalizers list. Either this field or PropagationPolicy may be set, but not both.");

    public static readonly OpenApiParameter PropagationPolicy = Query("propagationPolicy", "string",
        "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.");

    public static readonly OpenApiParameter AllowWatchBookmarks = Query("allowWatchBookmarks", "boolean",
        "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server's discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.");

    public static readonly OpenApiParameter Continue = Query("continue", "string",
        "The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid, the server will respond with a 410 ResourceExpired error together with a continue token.");

    public static readonly OpenApiParameter FieldSelector = Query("fieldSelector", "string",
        "A selector to restrict the list of returned objects by their fields. Defaults to everything.");

    public static readonly OpenApiParameter LabelSelector = Query("labelSelector", "string",
        "A selector to restrict the list of returned objects by their labels. Defaults to everything.");

    public static readonly OpenApiParameter Limit = Query("limit", "integer",
        "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results. This field is not supported if watch is true.");

    public static readonly OpenApiParameter ResourceVersion = Query("resourceVersion", "string",
        "resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details. Defaults to unset");

    public static readonly OpenApiParameter ResourceVersionMatch = Query("resourceVersionMatch", "string",
        "resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details. Defaults to unset");

    public static readonly OpenApiParameter SendInitialEvents = Query("sendInitialEvents", "boolean",
        "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic \"Bookmark\" event will be sent.");

    public static readonly OpenApiParameter TimeoutSeconds = Query("timeoutSeconds", "integer",
        "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.");

    public static readonly OpenApiParameter Watch = Query("watch", "boolean",
        "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.");

    /// <summary>The parameters of a list (and of the deprecated watch paths).</summary>
    public static readonly IReadOnlyList<OpenApiParameter> ListParameters =
        [AllowWatchBookmarks, Continue, FieldSelector, LabelSelector, Limit, ResourceVersion, ResourceVersionMatch, SendInitialEvents, TimeoutSeconds, Watch];

    public static readonly IReadOnlyList<OpenApiParameter> WriteParameters = [DryRun, FieldManager, FieldValidation];

    public static readonly IReadOnlyList<OpenApiParameter> PatchParameters = [DryRun, Force, PatchFieldManager, FieldValidation];

    public static readonly IReadOnlyList<OpenApiParameter> DeleteParameters = [DryRun, GracePeriodSeconds, OrphanDependents, PropagationPolicy];

    public static readonly IReadOnlyList<OpenApiParameter> DeleteCollectionParameters =
        [Continue, DryRun, FieldSelector, GracePeriodSeconds, LabelSelector, Limit, OrphanDependents, PropagationPolicy,
         ResourceVersion, ResourceVersionMatch, SendInitialEvents, TimeoutSeconds];

    public static OpenApiParameter NameOf(string kind) => new("name", "path", "string", $"name of the {kind}", Required: true);

    private static OpenApiParameter Query(string name, string type, string description) => new(name, "query", type, description);
}
