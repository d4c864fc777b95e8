using System.Text.Json;
using System.Text.Json.Nodes;

namespace PmoLedger.Features.Xapi;

/// <summary>GET /activities (an activity's definition as last stated) and GET /agents (the Person behind an agent).</summary>
public static class XapiActivitiesAndAgentsEndpoints
{
    public static void Map(RouteGroupBuilder lrs)
    {
        lrs.MapMethods("/activities", ["GET", "HEAD"], Activity);
        lrs.MapMethods("/agents", ["GET", "HEAD"], Agent);
    }

    private static async Task<IResult> Activity(HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var q = http.Request.Query;
        if (q.Keys.FirstOrDefault(k => k != "activityId") is { } unknown) return Lrs.Error(400, $"'{unknown}' is not a parameter of this request.");
        var id = q["activityId"].ToString();
        if (!StatementRules.IsIri(id)) return Lrs.Error(400, "'activityId' (an IRI) is required.");
        if (!XapiStatementsEndpoints.ReadScope(http.User, out var scope))
            return Lrs.Error(403, "Activities are read with LRS credentials, or by an auditor.");
        var query = session.Query<XapiStatement>().Where(x => x.Activity == id);
        if (scope is { } provider) query = query.Where(x => x.ProviderId == provider);
        // Every statement about the activity adds to what is known of it; later ones win, language by language.
        var bodies = await query.OrderBy(x => x.Stored).Select(x => x.Body).ToListAsync(ct);
        var definition = new JsonObject();
        foreach (var body in bodies)
        {
            if (JsonNode.Parse(body)?["object"]?["definition"] is not JsonObject stated) continue;
            foreach (var (name, value) in stated)
            {
                if (value is JsonObject map && definition[name] is JsonObject known && name is "name" or "description" or "extensions")
                    foreach (var (key, text) in map) known[key] = text?.DeepClone();
                else definition[name] = value?.DeepClone();
            }
        }
        var activity = new JsonObject { ["objectType"] = "Activity", ["id"] = id };
        if (definition.Count > 0) activity["definition"] = definition;
        return Lrs.JsonText(activity);
    }

    private static IResult Agent(HttpContext http)
    {
        var q = http.Request.Query;
        if (q.Keys.FirstOrDefault(k => k != "agent") is { } unknown) return Lrs.Error(400, $"'{unknown}' is not a parameter of this request.");
        JsonNode? node;
        try { node = JsonNode.Parse(q["agent"].ToString()); }
        catch (JsonException) { return Lrs.Error(400, "'agent' must be an Agent as JSON."); }
        if (node is not JsonObject agent || StatementIndex.Key(agent) is null
            || StatementRules.Check(new JsonObject { ["actor"] = agent.DeepClone(), ["verb"] = new JsonObject { ["id"] = "urn:x:v" }, ["object"] = new JsonObject { ["id"] = "urn:x:a" } }).Count > 0)
            return Lrs.Error(400, "'agent' must be an identified Agent as JSON.");
        var person = new JsonObject { ["objectType"] = "Person" };
        foreach (var property in new[] { "name", "mbox", "mbox_sha1sum", "openid", "account" })
            if (agent[property] is { } value) person[property] = new JsonArray(value.DeepClone());
        return Lrs.JsonText(person);
    }
}
