using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PmoLedger.Features.Xapi;

/// <summary>
/// A document an LMS keeps in the LRS: a learner's state in an activity, an activity profile or an
/// agent profile. Scoped to the provider whose credentials wrote it. Documents are working data of
/// the LMS, not ledger facts, so they are plain documents rather than events.
/// </summary>
public sealed class XapiDocument
{
    public string Id { get; set; } = "";
    public Guid ProviderId { get; set; }
    public string Kind { get; set; } = "";
    public string? ActivityId { get; set; }
    /// <summary>The keyed hash (<see cref="KeyRing.LookupKey"/>) of the agent's identifier; an erasure deletes the agent's documents.</summary>
    public string? AgentKey { get; set; }
    public string? Registration { get; set; }
    public string DocumentId { get; set; } = "";
    public string ContentType { get; set; } = "";
    public byte[] Content { get; set; } = [];
    public string ETag { get; set; } = "";
    public DateTimeOffset Updated { get; set; }

    public static string Key(Guid provider, string kind, string? activity, string? agent, string? registration, string documentId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            JsonSerializer.Serialize(new[] { provider.ToString(), kind, activity, agent, registration, documentId }))));
}

/// <summary>The three document resources: /activities/state, /activities/profile and /agents/profile.</summary>
public static class XapiDocumentsEndpoints
{
    private sealed record Kind(string Name, string Path, bool Activity, bool Agent, string IdParameter);

    private static readonly Kind State = new("state", "/activities/state", true, true, "stateId");
    private static readonly Kind ActivityProfile = new("activity-profile", "/activities/profile", true, false, "profileId");
    private static readonly Kind AgentProfile = new("agent-profile", "/agents/profile", false, true, "profileId");

    public static void Map(RouteGroupBuilder lrs)
    {
        foreach (var kind in new[] { State, ActivityProfile, AgentProfile })
        {
            lrs.MapMethods(kind.Path, ["GET", "HEAD"], (HttpContext http, IQuerySession session, CancellationToken ct) => Get(kind, http, session, ct));
            lrs.MapPut(kind.Path, (HttpContext http, IDocumentSession session, TimeProvider clock, CancellationToken ct) => Write(kind, http, session, clock, merge: false, ct));
            lrs.MapPost(kind.Path, (HttpContext http, IDocumentSession session, TimeProvider clock, CancellationToken ct) => Write(kind, http, session, clock, merge: true, ct));
            lrs.MapDelete(kind.Path, (HttpContext http, IDocumentSession session, CancellationToken ct) => Delete(kind, http, session, ct));
        }
    }

    private sealed record Scope(Guid Provider, string? Activity, string? Agent, string? Registration, string? DocumentId, DateTimeOffset? Since);

    private static (Scope? Scope, IResult? Problem) Read(Kind kind, HttpContext http, bool idRequired, bool sinceAllowed)
    {
        if (http.User.ProviderId() is not { } provider || http.User.FindFirstValue(LrsBasicAuthentication.KeyClaim) is null)
            return (null, Lrs.Error(403, "Documents are kept with LRS credentials (HTTP Basic)."));
        var q = http.Request.Query;
        var allowed = new List<string> { kind.IdParameter };
        if (kind.Activity) allowed.Add("activityId");
        if (kind.Agent) allowed.Add("agent");
        if (kind == State) allowed.Add("registration");
        if (sinceAllowed) allowed.Add("since");
        if (q.Keys.FirstOrDefault(k => !allowed.Contains(k)) is { } unknown) return (null, Lrs.Error(400, $"'{unknown}' is not a parameter of this request."));

        string? activity = null, agent = null, registration = null;
        if (kind.Activity)
        {
            activity = q["activityId"].ToString();
            if (!StatementRules.IsIri(activity)) return (null, Lrs.Error(400, "'activityId' (an IRI) is required."));
        }
        if (kind.Agent)
        {
            try
            {
                var node = JsonNode.Parse(q["agent"].ToString());
                var problems = node is JsonObject a ? StatementRules.Check(new JsonObject
                {
                    ["actor"] = a.DeepClone(), ["verb"] = new JsonObject { ["id"] = "urn:x:v" }, ["object"] = new JsonObject { ["id"] = "urn:x:a" }
                }) : ["not an object"];
                if (problems.Count > 0 || node is not JsonObject agentObject || StatementIndex.Key(agentObject) is not { } key)
                    return (null, Lrs.Error(400, "'agent' must be an identified Agent as JSON."));
                // Kept and matched only as a keyed hash: the agent's identifier is personal data.
                agent = http.RequestServices.GetRequiredService<KeyRing>().LookupKey(key);
            }
            catch (JsonException)
            {
                return (null, Lrs.Error(400, "'agent' must be an identified Agent as JSON."));
            }
        }
        if (q.ContainsKey("registration"))
        {
            registration = q["registration"].ToString().ToLowerInvariant();
            if (!StatementRules.IsUuid(registration)) return (null, Lrs.Error(400, "'registration' must be a UUID."));
        }
        var documentId = q.ContainsKey(kind.IdParameter) ? q[kind.IdParameter].ToString() : null;
        if (idRequired && string.IsNullOrEmpty(documentId)) return (null, Lrs.Error(400, $"'{kind.IdParameter}' is required."));
        DateTimeOffset? since = null;
        if (q["since"].ToString() is { Length: > 0 } sinceText)
        {
            if (documentId is not null) return (null, Lrs.Error(400, "'since' only applies when listing documents."));
            if (!StatementRules.IsTimestamp(sinceText)) return (null, Lrs.Error(400, "'since' must be an ISO 8601 timestamp."));
            since = DateTimeOffset.Parse(sinceText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        }
        return (new Scope(provider, activity, agent, registration, documentId, since), null);
    }

    private static string Key(Kind kind, Scope s) => XapiDocument.Key(s.Provider, kind.Name, s.Activity, s.Agent, s.Registration, s.DocumentId!);

    private static IQueryable<XapiDocument> All(Kind kind, Scope s, IQuerySession session)
    {
        var query = session.Query<XapiDocument>().Where(d => d.ProviderId == s.Provider && d.Kind == kind.Name);
        if (s.Activity is { } activity) query = query.Where(d => d.ActivityId == activity);
        if (s.Agent is { } agent) query = query.Where(d => d.AgentKey == agent);
        if (kind == State) query = s.Registration is { } r ? query.Where(d => d.Registration == r) : query.Where(d => d.Registration == null);
        return query;
    }

    private static async Task<IResult> Get(Kind kind, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var (scope, problem) = Read(kind, http, idRequired: false, sinceAllowed: true);
        if (problem is not null) return problem;
        if (scope!.DocumentId is null)
        {
            var query = All(kind, scope, session);
            if (scope.Since is { } since) query = query.Where(d => d.Updated > since);
            var ids = await query.Select(d => d.DocumentId).ToListAsync(ct);
            return Lrs.JsonText(new JsonArray([.. ids.Select(i => JsonValue.Create(i))]));
        }
        var document = await session.LoadAsync<XapiDocument>(Key(kind, scope), ct);
        if (document is null) return Lrs.Error(404, $"No document '{scope.DocumentId}'.");
        http.Response.Headers.ETag = $"\"{document.ETag}\"";
        http.Response.Headers.LastModified = document.Updated.ToString("R");
        return Results.Bytes(document.Content, document.ContentType);
    }

    /// <summary>PUT replaces; POST merges JSON objects one level deep. If-Match and If-None-Match guard both.</summary>
    private static async Task<IResult> Write(Kind kind, HttpContext http, IDocumentSession session, TimeProvider clock, bool merge, CancellationToken ct)
    {
        var (scope, problem) = Read(kind, http, idRequired: true, sinceAllowed: false);
        if (problem is not null) return problem;
        var key = Key(kind, scope!);
        var existing = await session.LoadAsync<XapiDocument>(key, ct);
        var strict = !merge && kind != State && Lrs.VersionOf(http) == "1.0.3";
        if (Precondition(http, existing, requireHeaderOnOverwrite: !merge && (kind != State || Lrs.VersionOf(http) == "2.0.0"), strict) is { } refused) return refused;

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct);
        var content = buffer.ToArray();
        var contentType = http.Request.ContentType ?? "application/octet-stream";
        if (IsJson(contentType) && content.Length > 0 && !TryParse(content, out _)) return Lrs.Error(400, "The document is declared as JSON but is not valid JSON.");

        if (merge && existing is not null)
        {
            if (!IsJson(contentType) || !IsJson(existing.ContentType)
                || !TryParse(content, out var update) || update is not JsonObject updateObject
                || !TryParse(existing.Content, out var current) || current is not JsonObject currentObject)
                return Lrs.Error(400, "POST merges JSON objects; both the stored and the sent document must be application/json objects.");
            foreach (var (name, value) in updateObject) currentObject[name] = value?.DeepClone();
            content = Encoding.UTF8.GetBytes(currentObject.ToJsonString());
            contentType = "application/json";
        }
        else if (merge && IsJson(contentType) && (!TryParse(content, out var posted) || posted is not JsonObject))
            return Lrs.Error(400, "POST takes a JSON object.");

        session.Store(new XapiDocument
        {
            Id = key, ProviderId = scope!.Provider, Kind = kind.Name, ActivityId = scope.Activity, AgentKey = scope.Agent,
            Registration = scope.Registration, DocumentId = scope.DocumentId!, ContentType = contentType, Content = content,
            ETag = Convert.ToHexStringLower(SHA1.HashData(content)), Updated = clock.GetUtcNow()
        });
        await session.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    private static async Task<IResult> Delete(Kind kind, HttpContext http, IDocumentSession session, CancellationToken ct)
    {
        var (scope, problem) = Read(kind, http, idRequired: kind != State, sinceAllowed: false);
        if (problem is not null) return problem;
        if (scope!.DocumentId is null)
        {
            session.DeleteWhere<XapiDocument>(d => d.ProviderId == scope.Provider && d.Kind == kind.Name && d.ActivityId == scope.Activity
                && d.AgentKey == scope.Agent && d.Registration == scope.Registration);
            await session.SaveChangesAsync(ct);
            return Results.NoContent();
        }
        var existing = await session.LoadAsync<XapiDocument>(Key(kind, scope), ct);
        if (Precondition(http, existing, requireHeaderOnOverwrite: false) is { } refused) return refused;
        if (existing is not null)
        {
            session.Delete(existing);
            await session.SaveChangesAsync(ct);
        }
        return Results.NoContent();
    }

    private static IResult? Precondition(HttpContext http, XapiDocument? existing, bool requireHeaderOnOverwrite, bool strictProfile = false)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        var ifNoneMatch = http.Request.Headers.IfNoneMatch.ToString();
        if (ifMatch.Length > 0)
        {
            var tags = ifMatch.Split(',').Select(t => t.Trim().Trim('"'));
            if (existing is null || !tags.Any(t => t == "*" || t == existing.ETag))
                return Lrs.Error(412, "The document has changed (If-Match does not match its ETag).");
        }
        if (ifNoneMatch.Length > 0 && existing is not null)
        {
            var tags = ifNoneMatch.Split(',').Select(t => t.Trim().Trim('"'));
            if (tags.Any(t => t == "*" || t == existing.ETag)) return Lrs.Error(412, "The document already exists (If-None-Match).");
        }
        if (requireHeaderOnOverwrite && ifMatch.Length == 0 && ifNoneMatch.Length == 0)
        {
            if (existing is not null)
                return Lrs.Error(409, "The document exists: send If-Match with its ETag to replace it, or If-None-Match: * to create only.");
            // 1.0.3 asks for a precondition on every profile PUT, even one that creates.
            if (strictProfile) return Lrs.Error(400, "Send If-None-Match: * to create a profile document, or If-Match with its ETag to replace one.");
        }
        return null;
    }

    private static bool IsJson(string contentType) => contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static bool TryParse(byte[] content, out JsonNode? node)
    {
        try
        {
            node = JsonNode.Parse(content);
            return true;
        }
        catch (JsonException)
        {
            node = null;
            return false;
        }
    }
}
