using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using JasperFx.Events;
using Marten.Events.Projections;
using Marten.Linq.MatchesSql;
using Marten.Patching;
using Microsoft.AspNetCore.WebUtilities;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Xapi;

/// <summary>
/// A statement the LRS stored, as its own stream. <see cref="Actor"/> is personal data (privacy.md): it is kept
/// apart from the rest of the statement and sealed under the key of the practitioner it names, else of the actor's
/// identity (<see cref="StatementActors"/>).
/// </summary>
public sealed record XapiStatementStored(Guid StatementId, Guid ProviderId, DateTimeOffset Stored, string Statement, PersonalText Actor, string? UnmappedReason);

/// <summary>A later statement voided this one; it stays in the log and leaves ordinary queries.</summary>
public sealed record XapiStatementVoided(Guid StatementId, Guid VoidingStatementId);

/// <summary>The query view of one statement: what the statements resource filters and serves.</summary>
public sealed class XapiStatement
{
    public Guid Id { get; set; }
    public Guid ProviderId { get; set; }
    public DateTimeOffset Stored { get; set; }
    /// <summary>The statement without its actor (see <see cref="Actor"/>).</summary>
    public string Body { get; set; } = "";
    /// <summary>Personal data: the actor as sent, sealed as in the event.</summary>
    public PersonalText Actor { get; set; } = PersonalText.ErasedFor(Guid.Empty);
    /// <summary>The data key that seals <see cref="Actor"/>: which statements an erasure reaches.</summary>
    public Guid ActorKeyId { get; set; }
    public bool Voided { get; set; }
    public Guid? Voids { get; set; }
    /// <summary>The statement this one's object refers to (a StatementRef), or the empty id.</summary>
    public Guid Refers { get; set; }
    public string Verb { get; set; } = "";
    public string? Activity { get; set; }
    public string? Registration { get; set; }
    /// <summary>Keyed hashes (<see cref="KeyRing.LookupKey"/>) of the agents' identifiers, never the identifiers.</summary>
    public string[] Agents { get; set; } = [];
    /// <summary>As <see cref="Agents"/>, for related_agents.</summary>
    public string[] RelatedAgents { get; set; } = [];
    public string[] RelatedActivities { get; set; } = [];
    public string? UnmappedReason { get; set; }

    /// <summary>The statement as it was stored, actor included; an erased actor is an Agent named "[erased]".</summary>
    public JsonObject Full()
    {
        var body = JsonNode.Parse(Body)!.AsObject();
        var actor = Actor.Erased ? new JsonObject { ["objectType"] = "Agent", ["name"] = PersonalText.ErasedMarker } : JsonNode.Parse(Actor.Text);
        var full = new JsonObject { ["id"] = body["id"]?.DeepClone(), ["actor"] = actor };
        foreach (var (name, value) in body.Where(p => p.Key != "id")) full[name] = value?.DeepClone();
        return full;
    }
}

/// <summary>
/// One document per statement, whichever stream its events are in: a POST's own stream (one per request) or, for
/// statements stored before that shape, a stream per statement. Needs the key ring: the agents it indexes are keyed hashes.
/// </summary>
public sealed partial class XapiStatementProjection : EventProjection
{
    private readonly KeyRing keys;

    public XapiStatementProjection(KeyRing keys)
    {
        this.keys = keys;
        RegisterPublishedType(typeof(XapiStatement));
    }

    /// <summary>An insert, never an upsert: the document's primary key is what keeps a statement id stored once.</summary>
    public void Project(IEvent<XapiStatementStored> e, IDocumentOperations ops) => ops.Insert(StatementIndex.Build(e.Data, keys));

    /// <summary>A patch in the same batch of SQL, so a POST may void a statement it stores itself.</summary>
    public void Project(IEvent<XapiStatementVoided> e, IDocumentOperations ops) => ops.Patch<XapiStatement>(e.Data.StatementId).Set(x => x.Voided, true);
}

/// <summary>The keys statement queries match on, taken from a stored statement.</summary>
public static class StatementIndex
{
    /// <summary>An erased actor (its key destroyed) adds nothing: queries no longer find the statement by it.</summary>
    public static XapiStatement Build(XapiStatementStored s, KeyRing keys)
    {
        var body = JsonNode.Parse(s.Statement)!.AsObject();
        var actor = s.Actor.Erased ? null : JsonNode.Parse(s.Actor.Text);
        var obj = body["object"] as JsonObject;
        var objectType = Text(obj?["objectType"]) ?? "Activity";
        var related = new HashSet<string>();
        var activities = new HashSet<string>();
        Collect(actor, body, related, activities);

        return new XapiStatement
        {
            Id = s.StatementId, ProviderId = s.ProviderId, Stored = s.Stored, Body = s.Statement, Actor = s.Actor, ActorKeyId = s.Actor.KeyId,
            Verb = Text(body["verb"]?["id"]) ?? "",
            Voids = Text(body["verb"]?["id"]) == StatementRules.VoidedVerb && Guid.TryParse(Text(obj?["id"]), out var target) ? target : null,
            Refers = objectType == "StatementRef" && Guid.TryParse(Text(obj?["id"]), out var referred) ? referred : Guid.Empty,
            Activity = objectType == "Activity" ? Text(obj?["id"]) : null,
            Registration = Text(body["context"]?["registration"])?.ToLowerInvariant(),
            Agents = [.. AgentKeys(actor).Concat(objectType is "Agent" or "Group" ? AgentKeys(obj) : []).Select(keys.LookupKey)],
            RelatedAgents = [.. related.Select(keys.LookupKey)],
            RelatedActivities = [.. activities],
            UnmappedReason = s.UnmappedReason
        };
    }

    private static void Collect(JsonNode? actor, JsonObject statement, HashSet<string> agents, HashSet<string> activities)
    {
        foreach (var key in AgentKeys(actor)) agents.Add(key);
        foreach (var key in AgentKeys(statement["authority"])) agents.Add(key);
        var context = statement["context"];
        foreach (var key in AgentKeys(context?["instructor"]).Concat(AgentKeys(context?["team"]))) agents.Add(key);
        if (context?["contextActivities"] is JsonObject lists)
        {
            foreach (var (_, value) in lists)
            {
                IEnumerable<JsonNode?> items = value is JsonArray array ? array : new[] { value };
                foreach (var item in items) if (Text(item?["id"]) is { } id) activities.Add(id);
            }
        }
        if (statement["object"] is not JsonObject obj) return;
        switch (Text(obj["objectType"]) ?? "Activity")
        {
            case "Activity" when Text(obj["id"]) is { } id: activities.Add(id); break;
            case "Agent" or "Group": foreach (var key in AgentKeys(obj)) agents.Add(key); break;
            case "SubStatement": Collect(obj["actor"], obj, agents, activities); break;
        }
    }

    /// <summary>An agent's identifier as one string (and, for a group, its members').</summary>
    public static IEnumerable<string> AgentKeys(JsonNode? agent)
    {
        if (agent is not JsonObject a) yield break;
        if (Key(a) is { } key) yield return key;
        if (a["member"] is JsonArray members)
            foreach (var member in members)
                if (member is JsonObject m && Key(m) is { } memberKey) yield return memberKey;
    }

    public static string? Key(JsonObject a)
    {
        if (Text(a["mbox"]) is { } mbox) return "mbox:" + mbox.ToLowerInvariant();
        if (Text(a["mbox_sha1sum"]) is { } sha) return "sha1:" + sha.ToLowerInvariant();
        if (Text(a["openid"]) is { } openid) return "openid:" + openid;
        if (a["account"] is JsonObject account) return $"account:{Text(account["homePage"])}|{Text(account["name"])}";
        return null;
    }

    public static string? Text(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    // The exact expressions of the GIN indexes on these three members (Lrs.Configure): Marten's own Contains() tests the
    // whole document, which only a GIN index over all of it (every value of every statement) could serve.
    public const string AgentsContain = "d.data -> 'agents' @> ?::jsonb";
    public const string RelatedAgentsContain = "d.data -> 'relatedAgents' @> ?::jsonb";
    public const string RelatedActivitiesContain = "d.data -> 'relatedActivities' @> ?::jsonb";

    /// <summary>The JSON a containment test of one of the arrays above takes: a one-element array.</summary>
    public static string Containing(string value) => new JsonArray(value).ToJsonString();
}

/// <summary>
/// PUT, POST and GET /xapi/statements. A write validates every statement first, then stores them, and the
/// completions they map to (through the same intake as a provider's POST), in one transaction: one stream for the
/// request. Then it revokes the completions of statements they void.
/// </summary>
public static class XapiStatementsEndpoints
{
    public const int MaxLimit = 500;

    private static readonly string[] QueryParameters =
    [
        "statementId", "voidedStatementId", "agent", "verb", "activity", "registration", "related_activities", "related_agents",
        "since", "until", "limit", "format", "attachments", "ascending", "offset"
    ];

    public static void Map(RouteGroupBuilder lrs)
    {
        lrs.MapPut("/statements", Put);
        lrs.MapPost("/statements", Post);
        lrs.MapMethods("/statements", ["GET", "HEAD"], Get);
    }

    private static ClaimsPrincipal? Writer(HttpContext http) =>
        http.User.FindFirstValue(LrsBasicAuthentication.KeyClaim) is not null ? http.User : null;

    public static async Task<IResult> Put(HttpContext http, StatementStore store, CancellationToken ct)
    {
        if (Writer(http) is not { } user) return Lrs.Error(403, "Statements are written with LRS credentials (HTTP Basic).");
        if (UnknownParameter(http.Request.Query, ["statementId"]) is { } unknown) return unknown;
        var statementId = http.Request.Query["statementId"].ToString();
        if (!StatementRules.IsUuid(statementId)) return Lrs.Error(400, "'statementId' (a UUID) is required to PUT a statement.");
        var (body, parts, problem) = await ReadBody(http, ct);
        if (problem is not null) return problem;
        if (body is not JsonObject statement) return Lrs.Error(400, "PUT takes one statement (a JSON object).");
        if (StatementIndex.Text(statement["id"]) is { } id && !id.Equals(statementId, StringComparison.OrdinalIgnoreCase))
            return Lrs.Error(400, "The statement's 'id' differs from the 'statementId' parameter.");
        statement["id"] = statementId.ToLowerInvariant();
        var result = await store.Store(user, [statement], parts, Lrs.VersionOf(http), Lrs.BaseUrl(http.Request), ct);
        return result.Problem ?? Results.NoContent();
    }

    public static async Task<IResult> Post(HttpContext http, StatementStore store, CancellationToken ct)
    {
        if (Writer(http) is not { } user) return Lrs.Error(403, "Statements are written with LRS credentials (HTTP Basic).");
        if (UnknownParameter(http.Request.Query, []) is { } unknown) return unknown;
        var (body, parts, problem) = await ReadBody(http, ct);
        if (problem is not null) return problem;
        List<JsonNode?> items = body switch
        {
            JsonArray array => [.. array],
            JsonObject one => [one],
            _ => [null]
        };
        if (items.Count == 0) return Lrs.JsonText(new JsonArray());
        var result = await store.Store(user, items, parts, Lrs.VersionOf(http), Lrs.BaseUrl(http.Request), ct);
        return result.Problem ?? Lrs.JsonText(new JsonArray([.. result.Ids.Select(i => JsonValue.Create(i.ToString()))]));
    }

    private static async Task<(JsonNode? Body, List<AttachmentPart> Parts, IResult? Problem)> ReadBody(HttpContext http, CancellationToken ct)
    {
        var type = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        string text;
        var parts = new List<AttachmentPart>();
        if (type == "multipart/mixed")
        {
            var (json, attached, problem) = await StatementAttachments.ReadMultipart(http.Request, ct);
            if (problem is not null) return (null, parts, Lrs.Error(400, problem));
            (text, parts) = (json!, attached);
        }
        else if (type == "application/json") text = await new StreamReader(http.Request.Body).ReadToEndAsync(ct);
        else return (null, parts, Lrs.Error(400, "Statements are sent as application/json, or multipart/mixed with attachments."));
        try
        {
            return (JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }), parts, null);
        }
        catch (JsonException e)
        {
            return (null, parts, Lrs.Error(400, $"The body is not valid JSON: {e.Message}"));
        }
    }

    /// <summary>
    /// Who may read what was stated: LRS credentials read their provider's statements (scope = that
    /// provider), an auditor reads all (scope = null), anyone else nothing.
    /// </summary>
    public static bool ReadScope(ClaimsPrincipal user, out Guid? scope)
    {
        scope = user.FindFirstValue(LrsBasicAuthentication.KeyClaim) is not null ? user.ProviderId() : null;
        return scope is not null || user.IsInRole(Roles.Auditor);
    }

    private static IResult? UnknownParameter(IQueryCollection query, string[] allowed) =>
        query.Keys.FirstOrDefault(k => !allowed.Contains(k)) is { } name ? Lrs.Error(400, $"'{name}' is not a parameter of this request.") : null;

    public static async Task<IResult> Get(HttpContext http, IQuerySession session, TimeProvider clock, KeyRing keys, CancellationToken ct)
    {
        if (!ReadScope(http.User, out var scope)) return Lrs.Error(403, "Statements are read with LRS credentials, or by an auditor.");

        var consistentThrough = clock.GetUtcNow();
        http.Response.Headers["X-Experience-API-Consistent-Through"] = Stamp(consistentThrough);
        var q = http.Request.Query;
        if (UnknownParameter(q, QueryParameters) is { } unknown) return unknown;
        var format = q["format"].ToString() is { Length: > 0 } f ? f : "exact";
        if (format is not ("exact" or "ids" or "canonical")) return Lrs.Error(400, "'format' must be exact, ids or canonical.");
        if (!Flag(q, "attachments", out var withAttachments) || !Flag(q, "ascending", out var ascending))
            return Lrs.Error(400, "'attachments' and 'ascending' must be true or false.");
        var languages = http.Request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1).Select(l => l.Value.ToString()).ToList();

        if (q.ContainsKey("statementId") || q.ContainsKey("voidedStatementId"))
        {
            var voided = q.ContainsKey("voidedStatementId");
            if (q.Keys.Any(k => k is not ("statementId" or "voidedStatementId" or "format" or "attachments")) || q.ContainsKey("statementId") == voided)
                return Lrs.Error(400, "'statementId' or 'voidedStatementId' may only come with 'format' and 'attachments'.");
            var text = q[voided ? "voidedStatementId" : "statementId"].ToString();
            if (!Guid.TryParse(text, out var id) || !StatementRules.IsUuid(text)) return Lrs.Error(400, "The statement id must be a UUID.");
            var row = await session.LoadAsync<XapiStatement>(id, ct);
            if (row is null || row.Voided != voided || (scope is { } own && row.ProviderId != own))
                return Lrs.Error(404, voided ? $"No voided statement {id}." : $"No statement {id}.");
            http.Response.Headers.LastModified = row.Stored.ToString("R");
            var one = Shape(row.Full(), format, languages);
            return withAttachments ? await StatementAttachments.Multipart(one, [one], session, ct) : Lrs.JsonText(one);
        }

        var query = session.Query<XapiStatement>().AsQueryable();
        if (scope is { } provider) query = query.Where(x => x.ProviderId == provider);
        var filtered = false;
        if (q["agent"].ToString() is { Length: > 0 } agentText)
        {
            JsonNode? agent;
            try { agent = JsonNode.Parse(agentText); }
            catch (JsonException) { return Lrs.Error(400, "'agent' must be an Agent or Group as JSON."); }
            var check = new List<string>();
            if (agent is JsonObject a) check = StatementRules.Check(new JsonObject
            {
                ["actor"] = a.DeepClone(), ["verb"] = new JsonObject { ["id"] = "http://example.org/v" }, ["object"] = new JsonObject { ["id"] = "http://example.org/a" }
            });
            if (agent is not JsonObject agentObject || check.Count > 0 || StatementIndex.Key(agentObject) is not { } identifier)
                return Lrs.Error(400, "'agent' must be an identified Agent or Group as JSON.");
            var key = keys.LookupKey(identifier);
            filtered = true;
            query = Flag(q, "related_agents", out var relatedAgents) && relatedAgents
                ? query.Where(x => x.MatchesSql(StatementIndex.RelatedAgentsContain, StatementIndex.Containing(key)))
                : query.Where(x => x.MatchesSql(StatementIndex.AgentsContain, StatementIndex.Containing(key)));
        }
        else if (!Flag(q, "related_agents", out _)) return Lrs.Error(400, "'related_agents' must be true or false.");
        if (q["verb"].ToString() is { Length: > 0 } verb)
        {
            if (!StatementRules.IsIri(verb)) return Lrs.Error(400, "'verb' must be an IRI.");
            filtered = true;
            query = query.Where(x => x.Verb == verb);
        }
        if (q["activity"].ToString() is { Length: > 0 } activity)
        {
            if (!StatementRules.IsIri(activity)) return Lrs.Error(400, "'activity' must be an IRI.");
            filtered = true;
            query = Flag(q, "related_activities", out var relatedActivities) && relatedActivities
                ? query.Where(x => x.MatchesSql(StatementIndex.RelatedActivitiesContain, StatementIndex.Containing(activity)))
                : query.Where(x => x.Activity == activity);
        }
        else if (!Flag(q, "related_activities", out _)) return Lrs.Error(400, "'related_activities' must be true or false.");
        if (q["registration"].ToString() is { Length: > 0 } registration)
        {
            if (!StatementRules.IsUuid(registration)) return Lrs.Error(400, "'registration' must be a UUID.");
            var wanted = registration.ToLowerInvariant();
            filtered = true;
            query = query.Where(x => x.Registration == wanted);
        }
        if (!Time(q, "since", out var since) || !Time(q, "until", out var until)) return Lrs.Error(400, "'since' and 'until' must be ISO 8601 timestamps.");
        if (filtered)
        {
            // A filter also selects the statements that refer to a statement it matches (voided or not).
            var matched = (await query.Select(x => x.Id).ToListAsync(ct)).ToArray();
            query = session.Query<XapiStatement>().Where(x => x.Id.IsOneOf(matched) || x.Refers.IsOneOf(matched));
            if (scope is { } own) query = query.Where(x => x.ProviderId == own);
        }
        query = query.Where(x => !x.Voided);
        if (since is { } from) query = query.Where(x => x.Stored > from);
        // Later pages keep to what was stored when the first was read, so new statements do not shift them.
        var upTo = until ?? consistentThrough;
        query = query.Where(x => x.Stored <= upTo);
        var limit = MaxLimit;
        if (q["limit"].ToString() is { Length: > 0 } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit)) return Lrs.Error(400, "'limit' must be a whole number.");
            if (limit == 0 || limit > MaxLimit) limit = MaxLimit;
        }
        var offset = 0;
        if (q["offset"].ToString() is { Length: > 0 } offsetText && !int.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            return Lrs.Error(400, "'offset' must be a whole number.");

        query = ascending ? query.OrderBy(x => x.Stored).ThenBy(x => x.Id) : query.OrderByDescending(x => x.Stored).ThenByDescending(x => x.Id);
        var rows = await query.Skip(offset).Take(limit + 1).ToListAsync(ct);
        var more = "";
        if (rows.Count > limit)
        {
            var next = q.Where(p => p.Key is not ("offset" or "until")).ToDictionary(p => p.Key, p => (string?)p.Value.ToString());
            next["until"] = Stamp(upTo);
            next["offset"] = (offset + limit).ToString(CultureInfo.InvariantCulture);
            more = QueryHelpers.AddQueryString(http.Request.PathBase + "/xapi/statements", next);
        }
        var shaped = rows.Take(limit).Select(r => Shape(r.Full(), format, languages)).ToList();
        var page = new JsonObject { ["statements"] = new JsonArray([.. shaped]), ["more"] = more };
        return withAttachments ? await StatementAttachments.Multipart(page, shaped, session, ct) : Lrs.JsonText(page);
    }

    private static bool Flag(IQueryCollection q, string name, out bool value)
    {
        value = false;
        var text = q[name].ToString();
        if (text.Length == 0) return true;
        return bool.TryParse(text, out value);
    }

    private static bool Time(IQueryCollection q, string name, out DateTimeOffset? value)
    {
        value = null;
        var text = q[name].ToString();
        if (text.Length == 0) return true;
        if (!StatementRules.IsTimestamp(text)) return false;
        value = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        return true;
    }

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// format=ids keeps only the identifiers of agents, activities and verbs; canonical keeps one language
    /// of each language map (the caller's Accept-Language first); exact serves what was stored.
    /// </summary>
    private static JsonObject Shape(JsonObject statement, string format, IReadOnlyList<string> languages)
    {
        if (format == "exact") return statement;
        var shaped = (JsonObject)statement.DeepClone();
        if (format == "ids") IdsOnly(shaped);
        else Canonical(shaped, languages);
        return shaped;
    }

    private static void IdsOnly(JsonObject statement)
    {
        static JsonNode? Agent(JsonNode? node)
        {
            if (node is not JsonObject o) return node;
            var copy = new JsonObject();
            if (o["objectType"] is { } type) copy["objectType"] = type.DeepClone();
            foreach (var ifi in new[] { "mbox", "mbox_sha1sum", "openid", "account" })
                if (o[ifi] is { } v) copy[ifi] = v.DeepClone();
            if (copy.Count <= 1 && o["member"] is JsonArray members) copy["member"] = new JsonArray([.. members.Select(Agent)]);
            return copy;
        }
        static JsonNode Activity(JsonNode? node) => new JsonObject { ["id"] = node?["id"]?.DeepClone() };

        statement["actor"] = Agent(statement["actor"]);
        if (statement["authority"] is { } authority) statement["authority"] = Agent(authority);
        if (statement["verb"] is JsonObject verb) statement["verb"] = new JsonObject { ["id"] = verb["id"]?.DeepClone() };
        if (statement["object"] is JsonObject obj)
        {
            switch (StatementIndex.Text(obj["objectType"]) ?? "Activity")
            {
                case "Activity": statement["object"] = Activity(obj); break;
                case "Agent" or "Group": statement["object"] = Agent(obj); break;
                case "SubStatement": IdsOnly(obj); break;
            }
        }
        if (statement["context"] is JsonObject context)
        {
            if (context["instructor"] is { } instructor) context["instructor"] = Agent(instructor);
            if (context["team"] is { } team) context["team"] = Agent(team);
            if (context["contextActivities"] is JsonObject lists)
                foreach (var name in lists.Select(p => p.Key).ToList())
                    if (lists[name] is JsonArray list) lists[name] = new JsonArray([.. list.Select(Activity)]);
        }
    }

    private static void Canonical(JsonObject statement, IReadOnlyList<string> languages)
    {
        void One(JsonNode? holder, string name)
        {
            if (holder is not JsonObject h || h[name] is not JsonObject map || map.Count <= 1) return;
            var chosen = languages.Select(l => map.FirstOrDefault(p => p.Key.Equals(l, StringComparison.OrdinalIgnoreCase)))
                .FirstOrDefault(p => p.Value is not null);
            var (key, value) = chosen.Value is not null ? chosen : map.First();
            h[name] = new JsonObject { [key] = value!.DeepClone() };
        }
        void Activity(JsonNode? activity)
        {
            One(activity?["definition"], "name");
            One(activity?["definition"], "description");
        }
        One(statement["verb"], "display");
        if (statement["object"] is JsonObject obj)
        {
            Activity(obj);
            if (StatementIndex.Text(obj["objectType"]) == "SubStatement") Canonical(obj, languages);
        }
        if (statement["context"]?["contextActivities"] is JsonObject lists)
            foreach (var (_, list) in lists)
                if (list is JsonArray activities) foreach (var activity in activities) Activity(activity);
    }
}

/// <summary>What storing a batch of statements came to: their ids, or the one problem that refused them all.</summary>
public sealed record StoreResult(IReadOnlyList<Guid> Ids, IResult? Problem);

/// <summary>Stores statements and carries their consequences into the ledger.</summary>
public sealed class StatementStore(IDocumentStore store, CompletionIntake intake, KeyRing keys, TimeProvider clock, IMartenOutbox outbox, ILogger<StatementStore> logger)
{
    public async Task<StoreResult> Store(ClaimsPrincipal user, IReadOnlyList<JsonNode?> items, IReadOnlyList<AttachmentPart> parts, string version, string baseUrl, CancellationToken ct)
    {
        var statements = new List<JsonObject>();
        for (var i = 0; i < items.Count; i++)
        {
            var problems = StatementRules.Check(items[i]);
            if (problems.Count > 0)
                return new([], Lrs.Error(400, (items.Count > 1 ? $"Statement {i}: " : "") + string.Join(" ", problems.Take(5))));
            var statement = (JsonObject)items[i]!;
            StatementRules.Normalise(statement);
            if (StatementIndex.Text(statement["id"]) is not { } id) statement["id"] = Guid.NewGuid().ToString();
            else statement["id"] = id.ToLowerInvariant();
            statements.Add(statement);
        }
        var ids = statements.Select(s => Guid.Parse(StatementIndex.Text(s["id"])!)).ToList();
        if (ids.Distinct().Count() != ids.Count) return new([], Lrs.Error(400, "Two statements in the batch have the same id."));
        if (StatementAttachments.Check(statements, parts) is { } attachmentProblem) return new([], Lrs.Error(400, attachmentProblem));

        var poster = Poster.From(user);
        var outcome = await WriteConflicts.Retry(() => Attempt(poster, statements, parts, ids, version, baseUrl, ct),
            () => new Attempted(Lrs.Error(409, "The store was busy; nothing was stored. Retry the request."), [], []), logger, ct);
        if (outcome.Problem is not null) return new([], outcome.Problem);

        foreach (var failed in outcome.Recorded.Where(r => r.Status >= 300))
            logger.LogWarning("An xAPI statement mapped to a completion that was not recorded: {Status} {Detail}", failed.Status, failed.Problem?.Detail);
        foreach (var (voiding, target) in outcome.Voided) await Revoke(poster, voiding, target, ct);
        return new(ids, null);
    }

    private sealed record Attempted(IResult? Problem, IReadOnlyList<IngestOutcome> Recorded, List<(Guid Voiding, Guid Target)> Voided);

    /// <summary>
    /// One transaction for the request: its statements, as the events of one new stream, and the completions they map
    /// to, staged by the intake every completion goes through. A statement id already taken (by a racing request) fails
    /// the commit on the query document's primary key, and the retry finds the statement stored.
    /// </summary>
    private async Task<Attempted> Attempt(Poster poster, List<JsonObject> statements, IReadOnlyList<AttachmentPart> parts, List<Guid> ids, string version, string baseUrl, CancellationToken ct)
    {
        await using var session = intake.OpenSession(poster);
        var targets = statements.Select(s => StatementIndex.Text(s["verb"]?["id"]) == StatementRules.VoidedVerb ? StatementIndex.Text(s["object"]?["id"]) : null)
            .Select(t => Guid.TryParse(t, out var g) ? g : (Guid?)null).ToList();
        // Every lookup of the batch in one round trip: the statements and their void targets, and whom the actors name.
        var identities = statements.Select(s => ActorIdentity.Of(s["actor"], baseUrl)).ToList();
        var reads = session.CreateBatchQuery();
        var existingLoad = reads.LoadMany<XapiStatement>().ById([.. ids, .. targets.OfType<Guid>()]);
        var emailsLoad = reads.LoadMany<PractitionerEmail>().ById(identities.Select(i => i.Email).OfType<string>().Select(keys.EmailLookupKey).Distinct().ToArray());
        var hashesLoad = reads.LoadMany<PractitionerMboxHash>().ById(identities.Select(i => i.MboxSha1).OfType<string>().Select(Sha1Key).Distinct().ToArray());
        var accountsLoad = reads.LoadMany<PractitionerProfile>().ById(identities.Select(i => i.AccountId).OfType<Guid>().Where(g => g != Guid.Empty).Distinct().ToArray());
        await reads.Execute(ct);
        var existing = (await existingLoad).ToDictionary(x => x.Id);
        var emails = (await emailsLoad).ToDictionary(x => x.Id, x => x.PractitionerId);
        var hashes = (await hashesLoad).ToDictionary(x => x.Id, x => x.PractitionerId);
        var accounts = (await accountsLoad)
            .Where(p => p.Email is not null)   // an erased practitioner's profile keeps no address: no longer matched
            .Select(p => p.Id).ToHashSet();

        var now = clock.GetUtcNow();
        var authority = new JsonObject
        {
            ["objectType"] = "Agent", ["account"] = new JsonObject { ["homePage"] = baseUrl, ["name"] = poster.ProviderId.ToString() }
        };
        string Sha1Key(string sha1) => keys.LookupKey("sha1:" + sha1);
        Guid? Practitioner(ActorIdentity who) =>
            who.Email is { } e && emails.TryGetValue(keys.EmailLookupKey(e), out var byEmail) ? byEmail
            : who.MboxSha1 is { } h && hashes.TryGetValue(Sha1Key(h), out var byHash) ? byHash
            : who.AccountId is { } a && accounts.Contains(a) ? a
            : null;
        var whom = identities.Select(Practitioner).ToList();
        // An actor naming nobody registered is sealed under its identity's own key (created with the first statement naming it).
        var actorIdentities = statements.Select((s, i) => whom[i] is null && !existing.ContainsKey(ids[i]) ? keys.LookupKey(StatementActors.Identity(s["actor"], ids[i])) : null).ToList();
        var actorKeys = await StatementActors.KeysFor(session, keys, actorIdentities.OfType<string>(), ct);
        var mapped = new List<IntakeItem>();
        var voided = new List<(Guid, Guid)>();
        var facts = new List<object>();
        var unmapped = false;
        // Statements stored earlier in this batch, and whether each is a voiding one: a batch may void its own statements.
        var inBatch = new Dictionary<Guid, bool>();
        for (var i = 0; i < statements.Count; i++)
        {
            var statement = statements[i];
            if (existing.TryGetValue(ids[i], out var before))
            {
                if (!Same(before.Full(), statement))
                    return new(Lrs.Error(409, $"Statement {ids[i]} is already stored with different content; statements are immutable."), [], []);
                // Re-sending a mapped statement mends a completion that was not recorded; the intake answers "resent" when it was.
                if (before is { UnmappedReason: null, Voids: null, Voided: false } && before.ProviderId == poster.ProviderId
                    && StatementMapping.Map(before.Full(), whom[i], Clock.DayOf(now)) is { Completion: { } again } remapped)
                    mapped.Add(new IntakeItem(new PractitionerRef(remapped.PractitionerId, null), again));
                continue;
            }
            if (targets[i] is { } target && existing.TryGetValue(target, out var voidedRow))
            {
                if (voidedRow.Voids is not null) return new(Lrs.Error(400, $"Statement {target} is itself a voiding statement and cannot be voided."), [], []);
                if (voidedRow.ProviderId != poster.ProviderId) return new(Lrs.Error(403, $"Statement {target} was stored by another provider."), [], []);
            }
            if (targets[i] is { } batchTarget && inBatch.TryGetValue(batchTarget, out var targetVoids) && targetVoids)
                return new(Lrs.Error(400, $"Statement {batchTarget} is itself a voiding statement and cannot be voided."), [], []);

            // Microseconds apart, so a batch keeps its order in every query.
            var stored = now.AddTicks(i * 10);
            statement["timestamp"] ??= XapiStatementsEndpoints.Stamp(stored);
            statement["stored"] = XapiStatementsEndpoints.Stamp(stored);
            statement["authority"] = authority.DeepClone();
            statement["version"] = version == "2.0.0" ? "2.0.0" : StatementIndex.Text(statement["version"]) ?? "1.0.0";

            string? reason = null;
            if (targets[i] is { } voids)
            {
                if ((existing.TryGetValue(voids, out var row) && !row.Voided) || inBatch.ContainsKey(voids))
                {
                    facts.Add(new XapiStatementVoided(voids, ids[i]));
                    voided.Add((ids[i], voids));
                }
            }
            else
            {
                var mapping = StatementMapping.Map(statement, whom[i], Clock.DayOf(now));
                reason = mapping.Reason;
                unmapped |= reason is not null;
                if (mapping.Completion is { } completion) mapped.Add(new IntakeItem(new PractitionerRef(mapping.PractitionerId, null), completion));
            }

            var actor = PersonalText.Of(whom[i] ?? actorKeys[actorIdentities[i]!], statement["actor"]!.ToJsonString());
            var body = new JsonObject();
            foreach (var (name, value) in statement.Where(p => p.Key != "actor")) body[name] = value?.DeepClone();
            facts.Add(new XapiStatementStored(ids[i], poster.ProviderId, stored, body.ToJsonString(), actor, reason));
            inBatch[ids[i]] = targets[i] is not null;
        }
        // The day's digest is scheduled by the first statement of the day that did not map (docs/notifications.md).
        var firstUnmappedToday = unmapped && !await session.Query<XapiStatement>().AnyAsync(x =>
            x.ProviderId == poster.ProviderId && x.UnmappedReason != null && x.Stored >= Clock.StartOf(Clock.DayOf(now)) && x.Stored < now, ct);
        // A stream per request, not per statement: the statement id is the query document's key (see XapiStatementProjection).
        if (facts.Count > 0)
        {
            session.Events.StartStream<XapiStatement>(Guid.CreateVersion7(), facts);
            foreach (var part in parts) session.Store(new XapiAttachment { Id = part.Sha2, ContentType = part.ContentType, Content = part.Content });
            // In the statements' own transaction (the outbox): no crash can store them and lose their digest.
            if (firstUnmappedToday) await outbox.ScheduleAll([ProviderDigest.Schedule(poster.ProviderId, now)]);
        }
        var (recorded, completions) = mapped.Count > 0 ? await intake.Stage(session, poster, mapped, ct) : ([], false);
        if (facts.Count > 0 || completions) await session.SaveChangesAsync(ct);
        return new(null, recorded, voided);
    }

    /// <summary>A re-send is the same statement when everything but what the LRS sets is equal.</summary>
    private static bool Same(JsonObject stored, JsonObject sent)
    {
        var a = (JsonObject)stored.DeepClone();
        var b = (JsonObject)sent.DeepClone();
        foreach (var lrsSet in new[] { "stored", "authority", "version" }) { a.Remove(lrsSet); b.Remove(lrsSet); }
        if (!b.ContainsKey("timestamp")) a.Remove("timestamp");
        return StatementComparison.Same(a, b);
    }

    /// <summary>Voiding a mapped statement revokes its completion, by the rule a provider's revocation follows.</summary>
    private async Task Revoke(Poster poster, Guid voiding, Guid target, CancellationToken ct)
    {
        await WriteConflicts.Retry(async () =>
        {
            await using var session = WriteConflicts.OpenSession(store, poster.UserName);
            var receipt = await session.LoadAsync<CompletionReceipt>(CompletionReceipt.Key(poster.ProviderId, StatementMapping.Reference(target)), ct);
            if (receipt is null) return true;
            var stream = await session.Events.FetchForWriting<Practitioner>(receipt.PractitionerId, ct);
            if (stream.Aggregate is { } practitioner
                && RevokeCompletionEndpoint.Decide(practitioner, receipt.CompletionId, poster.ProviderId, $"voided by statement {voiding}", clock.Today()) is { } revoked)
            {
                stream.AppendOne(revoked);
                await session.SaveChangesAsync(ct);
            }
            return true;
        }, () => false, logger, ct);
    }
}
