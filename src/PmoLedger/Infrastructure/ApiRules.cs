using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace PmoLedger.Infrastructure;

/// <summary>
/// The "rules for every route" (api.md) that no single feature owns: strict JSON bodies, and a
/// refusal that always says why in words a client's developer can act on.
/// </summary>
public static partial class ApiRules
{
    /// <summary>
    /// Request bodies only (the event store keeps its own, lenient, options): a property the route does not
    /// know is refused rather than dropped, and a number must be a JSON number.
    /// </summary>
    public static void StrictBodies(JsonSerializerOptions options)
    {
        options.NumberHandling = JsonNumberHandling.Strict;
        // Only the service's own types: a client of these options (a test reading an answer into a
        // smaller record) may still ignore what it does not need.
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(type =>
        {
            // A type that says otherwise ([JsonUnmappedMemberHandling]) reads only part of a larger object.
            if (type.Kind == JsonTypeInfoKind.Object && type.Type.Assembly == typeof(ApiRules).Assembly && type.UnmappedMemberHandling is null)
                type.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
    }

    /// <summary>Fills in a `detail` for answers that carry only a status, and rewrites unreadable-JSON errors in plain words.</summary>
    public static void Explain(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        if (problem.Status == 400 && problem.Title == "Invalid JSON format")
        {
            Unreadable(problem, http);
            return;
        }
        if (!string.IsNullOrWhiteSpace(problem.Detail)) return;
        problem.Detail = problem.Status switch
        {
            401 => Unauthenticated(http),
            403 => "Your credentials are valid, but your role may not use this route on this record.",
            404 when http.GetEndpoint() is null => $"No route matches {http.Request.Method} {http.Request.Path}.",
            404 => $"Nothing is recorded at {http.Request.Path}: the id is unknown or not a usable id.",
            405 => $"{http.Request.Method} is not accepted on {http.Request.Path}" +
                   (http.Response.Headers.Allow is { Count: > 0 } allow ? $"; use {string.Join(", ", allow.ToArray())}." : "."),
            413 => "The request body is larger than the service accepts.",
            415 => $"The body's content type '{http.Request.ContentType}' is not accepted here; send application/json.",
            _ => problem.Title ?? "The request was refused."
        };
    }

    private static string Unauthenticated(HttpContext http)
    {
        // The API-key handler's failure messages are written for clients; JWT library messages are not.
        var failure = http.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure;
        if (http.Request.Headers.ContainsKey("X-Api-Key"))
            return $"The X-Api-Key header was not accepted: {failure?.Message ?? "unknown or revoked API key."}";
        if (http.Request.Headers.Authorization.Count > 0)
            return "The bearer token was not accepted: it is malformed, expired, or not signed by this service.";
        return "Credentials are required: send 'Authorization: Bearer <token>' or a provider's 'X-Api-Key' header.";
    }

    /// <summary>
    /// System.Text.Json's messages name .NET types ("could not be converted to System.Nullable`1[System.DateOnly]");
    /// a client needs the field and what it should hold.
    /// </summary>
    private static void Unreadable(ProblemDetails problem, HttpContext http)
    {
        var (field, message) = Describe(problem.Detail ?? "", http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType);
        problem.Detail = $"The body could not be read: {message}";
        problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [message] };
    }

    /// <summary>The field and a plain-words reason for a System.Text.Json failure reading <paramref name="requestType"/>.</summary>
    public static (string Field, string Message) Describe(string jsonError, Type? requestType)
    {
        var path = JsonPath().Match(jsonError) is { Success: true } m ? m.Groups[1].Value.TrimStart('.') : "";
        if (UnknownProperty().Match(jsonError) is { Success: true } unknown)
        {
            var name = unknown.Groups[1].Value;
            var field = path.Length == 0 ? name : path.EndsWith(name, StringComparison.Ordinal) ? path : $"{path}.{name}";
            return (field, $"'{field}' is not a property this route knows; check its spelling (nothing was recorded).");
        }
        return path.Length == 0
            ? ("body", "The body is not valid JSON.")
            : (path, $"'{path}' {Expected(requestType, path)}.");
    }

    /// <summary>What the field should hold, from the route's request type walked along the JSON path.</summary>
    private static string Expected(Type? type, string path)
    {
        foreach (var segment in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Split('[')[0];
            type = type?.GetProperties().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.PropertyType;
            if (segment.Contains('[')) type = ElementOf(type);
        }
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "could not be read; check it against the API reference",
            _ when type == typeof(DateOnly) => "must be a real calendar date written YYYY-MM-DD",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "must be an ISO 8601 instant, e.g. 2026-03-01T12:00:00Z",
            _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) || type == typeof(int) || type == typeof(long)
                => "must be a JSON number (not a string)",
            _ when type == typeof(bool) => "must be true or false",
            _ when type == typeof(Guid) => "must be an id (a GUID)",
            _ when type == typeof(string) || type.IsEnum => "must be text (a JSON string)",
            _ when ElementOf(type) is not null => "must be a JSON array",
            _ => "must be a JSON object"
        };
    }

    private static Type? ElementOf(Type? type) =>
        type is null || type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            ?.GetGenericArguments()[0];

    [GeneratedRegex(@"Path: \$\.?([A-Za-z0-9_.\[\]]*)")]
    private static partial Regex JsonPath();

    [GeneratedRegex(@"JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnknownProperty();
}
