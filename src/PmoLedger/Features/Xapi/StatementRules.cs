using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PmoLedger.Features.Xapi;

/// <summary>
/// The xAPI statement grammar, checked once at the door: a statement that passes is stored as
/// sent; one that fails is refused whole with the first rule it broke, named by its JSON path.
/// Pure: the statement in, the problems out.
/// </summary>
public static partial class StatementRules
{
    public const string VoidedVerb = "http://adlnet.gov/expapi/verbs/voided";

    private static readonly string[] StatementProperties =
        ["id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments", "objectType"];

    private static readonly string[] SubStatementProperties =
        ["actor", "verb", "object", "result", "context", "timestamp", "attachments", "objectType"];

    private static readonly string[] InteractionTypes =
        ["true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert", "numeric", "other"];

    /// <summary>The problems with a statement, empty when it may be stored.</summary>
    public static List<string> Check(JsonNode? statement)
    {
        var problems = new List<string>();
        if (statement is not JsonObject s)
        {
            problems.Add("A statement must be a JSON object.");
            return problems;
        }
        new Checker(problems).Statement(s, "statement", sub: false);
        return problems;
    }

    /// <summary>Single context activities become one-element arrays, as the LRS must return them.</summary>
    public static void Normalise(JsonObject statement)
    {
        foreach (var holder in new[] { statement, statement["object"] as JsonObject })
        {
            if (holder?["context"]?["contextActivities"] is not JsonObject lists) continue;
            foreach (var name in lists.Select(p => p.Key).ToList())
                if (lists[name] is JsonObject single) lists[name] = new JsonArray(single.DeepClone());
        }
    }

    public static bool IsUuid(string? text) => text is not null && Uuid().IsMatch(text);

    public static bool IsIri(string? text) =>
        text is { Length: > 0 } && Scheme().IsMatch(text) && Uri.TryCreate(text, UriKind.Absolute, out _) && !text.Any(char.IsWhiteSpace);

    public static bool IsTimestamp(string? text) =>
        text is not null && Timestamp().IsMatch(text) && !text.EndsWith("-00:00") && !text.EndsWith("-0000") && !text.EndsWith("-00")
        && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out _);

    public static bool IsDuration(string? text) =>
        text is not null && Duration().IsMatch(text) && text != "P" && !text.EndsWith('T');

    private sealed class Checker(List<string> problems)
    {
        private void Fail(string path, string message) => problems.Add($"'{path}' {message}");

        private bool Only(JsonObject o, string path, IEnumerable<string> allowed)
        {
            var ok = true;
            foreach (var (name, value) in o)
            {
                if (!allowed.Contains(name)) { Fail($"{path}.{name}", "is not a property the xAPI allows here."); ok = false; }
                else if (value is null) { Fail($"{path}.{name}", "may not be null."); ok = false; }
            }
            return ok;
        }

        private static string? Text(JsonNode? node) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

        private bool String(JsonObject o, string name, string path, bool required = false)
        {
            if (!o.ContainsKey(name))
            {
                if (required) Fail($"{path}.{name}", "is required.");
                return !required;
            }
            if (Text(o[name]) is null) { Fail($"{path}.{name}", "must be a string."); return false; }
            return true;
        }

        private void Iri(JsonObject o, string name, string path, bool required = false)
        {
            if (String(o, name, path, required) && o.ContainsKey(name) && !IsIri(Text(o[name])))
                Fail($"{path}.{name}", "must be an absolute IRI.");
        }

        private void Bool(JsonObject o, string name, string path)
        {
            if (o[name] is { } n && n.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)) Fail($"{path}.{name}", "must be true or false.");
        }

        private void LanguageMap(JsonNode? node, string path)
        {
            if (node is null) return;
            if (node is not JsonObject map) { Fail(path, "must be a language map (an object)."); return; }
            foreach (var (tag, value) in map)
            {
                if (!LanguageTag().IsMatch(tag)) Fail($"{path}.{tag}", "is not a language tag.");
                if (Text(value) is null) Fail($"{path}.{tag}", "must be a string.");
            }
        }

        private void Extensions(JsonNode? node, string path)
        {
            if (node is null) return;
            if (node is not JsonObject map) { Fail(path, "must be an object keyed by IRIs."); return; }
            foreach (var (key, _) in map)
                if (!IsIri(key)) Fail($"{path}.{key}", "is not an IRI.");
        }

        public void Statement(JsonObject s, string path, bool sub)
        {
            if (!Only(s, path, sub ? SubStatementProperties : StatementProperties)) return;
            if (!sub)
            {
                if (s.ContainsKey("objectType")) Fail($"{path}.objectType", "is not a property of a statement.");
                if (String(s, "id", path) && s["id"] is not null && !IsUuid(Text(s["id"]))) Fail($"{path}.id", "must be a UUID.");
                if (String(s, "stored", path) && s["stored"] is not null && !IsTimestamp(Text(s["stored"]))) Fail($"{path}.stored", "must be an ISO 8601 timestamp.");
                if (String(s, "version", path) && Text(s["version"]) is { } version && !VersionPattern().IsMatch(version))
                    Fail($"{path}.version", "must be an xAPI version 1.0.x or 2.0.x.");
                if (s["authority"] is { } authority) Actor(authority, $"{path}.authority", authorityRules: true);
            }
            else if (Text(s["objectType"]) != "SubStatement") Fail($"{path}.objectType", "must be 'SubStatement'.");

            if (s["actor"] is { } actor) Actor(actor, $"{path}.actor");
            else Fail($"{path}.actor", "is required.");
            if (s["verb"] is { } verb) Verb(verb, $"{path}.verb");
            else Fail($"{path}.verb", "is required.");
            if (s["object"] is { } obj) Object(obj, $"{path}.object", sub);
            else Fail($"{path}.object", "is required.");
            if (s["result"] is { } result) Result(result, $"{path}.result");
            if (s["context"] is { } context) Context(context, $"{path}.context", s["object"]);
            if (String(s, "timestamp", path) && Text(s["timestamp"]) is { } ts && !IsTimestamp(ts)) Fail($"{path}.timestamp", "must be an ISO 8601 timestamp.");
            if (s["attachments"] is { } attachments) Attachments(attachments, $"{path}.attachments");

            if (!sub && Text(s["verb"]?["id"]) == VoidedVerb && Text(s["object"]?["objectType"]) != "StatementRef")
                Fail($"{path}.object", "of a voiding statement must be a StatementRef.");
        }

        public void Actor(JsonNode node, string path, bool authorityRules = false)
        {
            if (node is not JsonObject a) { Fail(path, "must be an Agent or a Group."); return; }
            var type = a.ContainsKey("objectType") ? Text(a["objectType"]) : "Agent";
            if (type == "Group" && authorityRules)
            {
                // An OAuth authority: an anonymous Group of exactly the consumer and the user.
                if (a.ContainsKey("mbox") || a.ContainsKey("mbox_sha1sum") || a.ContainsKey("openid") || a.ContainsKey("account"))
                    Fail(path, "may only be an anonymous Group.");
                if (a["member"] is not JsonArray { Count: 2 }) Fail($"{path}.member", "of an authority Group must be exactly two Agents.");
                Group(a, path);
            }
            else if (type == "Group") Group(a, path);
            else if (type == "Agent") Agent(a, path);
            else Fail($"{path}.objectType", "must be 'Agent' or 'Group'.");
        }

        private int Ifis(JsonObject a, string path)
        {
            var count = 0;
            if (a.ContainsKey("mbox"))
            {
                count++;
                if (Text(a["mbox"]) is not { } mbox || !mbox.StartsWith("mailto:", StringComparison.Ordinal) || !mbox.Contains('@'))
                    Fail($"{path}.mbox", "must be a mailto: IRI.");
            }
            if (a.ContainsKey("mbox_sha1sum"))
            {
                count++;
                if (Text(a["mbox_sha1sum"]) is not { } sha || !Sha1().IsMatch(sha)) Fail($"{path}.mbox_sha1sum", "must be 40 hexadecimal digits.");
            }
            if (a.ContainsKey("openid"))
            {
                count++;
                Iri(a, "openid", path);
            }
            if (a.ContainsKey("account"))
            {
                count++;
                if (a["account"] is not JsonObject account) Fail($"{path}.account", "must be an object with homePage and name.");
                else if (Only(account, $"{path}.account", ["homePage", "name"]))
                {
                    Iri(account, "homePage", $"{path}.account", required: true);
                    String(account, "name", $"{path}.account", required: true);
                }
            }
            return count;
        }

        private void Agent(JsonObject a, string path)
        {
            if (!Only(a, path, ["objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"])) return;
            String(a, "name", path);
            if (Ifis(a, path) != 1) Fail(path, "must have exactly one of mbox, mbox_sha1sum, openid and account.");
        }

        private void Group(JsonObject g, string path)
        {
            if (!Only(g, path, ["objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"])) return;
            String(g, "name", path);
            var ifis = Ifis(g, path);
            if (ifis > 1) Fail(path, "may have at most one of mbox, mbox_sha1sum, openid and account.");
            if (g["member"] is { } member)
            {
                if (member is not JsonArray members) Fail($"{path}.member", "must be an array of Agents.");
                else
                {
                    for (var i = 0; i < members.Count; i++)
                    {
                        if (members[i] is JsonObject m && Text(m["objectType"]) == "Group") Fail($"{path}.member[{i}]", "must be an Agent, not a Group.");
                        else if (members[i] is JsonObject m2) Agent(m2, $"{path}.member[{i}]");
                        else Fail($"{path}.member[{i}]", "must be an Agent.");
                    }
                    if (ifis == 0 && members.Count == 0) Fail($"{path}.member", "of an anonymous Group must list its members.");
                }
            }
            else if (ifis == 0) Fail($"{path}.member", "is required for an anonymous Group.");
        }

        private void Verb(JsonNode node, string path)
        {
            if (node is not JsonObject v) { Fail(path, "must be an object."); return; }
            if (!Only(v, path, ["id", "display"])) return;
            Iri(v, "id", path, required: true);
            LanguageMap(v["display"], $"{path}.display");
        }

        private void Object(JsonNode node, string path, bool inSub)
        {
            if (node is not JsonObject o) { Fail(path, "must be an object."); return; }
            var type = o.ContainsKey("objectType") ? Text(o["objectType"]) : "Activity";
            switch (type)
            {
                case "Activity": Activity(o, path); break;
                case "Agent" or "Group": Actor(o, path); break;
                case "StatementRef": StatementRef(o, path); break;
                case "SubStatement" when inSub: Fail(path, "may not be a SubStatement inside a SubStatement."); break;
                case "SubStatement": Statement(o, path, sub: true); break;
                default: Fail($"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement."); break;
            }
        }

        private void StatementRef(JsonObject o, string path)
        {
            if (!Only(o, path, ["objectType", "id"])) return;
            if (String(o, "id", path, required: true) && !IsUuid(Text(o["id"]))) Fail($"{path}.id", "must be a UUID.");
        }

        public void Activity(JsonObject o, string path)
        {
            if (!Only(o, path, ["objectType", "id", "definition"])) return;
            Iri(o, "id", path, required: true);
            if (o["definition"] is not { } definition) return;
            if (definition is not JsonObject d) { Fail($"{path}.definition", "must be an object."); return; }
            var at = $"{path}.definition";
            if (!Only(d, at, ["name", "description", "type", "moreInfo", "extensions", "interactionType", "correctResponsesPattern",
                    "choices", "scale", "source", "target", "steps"])) return;
            LanguageMap(d["name"], $"{at}.name");
            LanguageMap(d["description"], $"{at}.description");
            Iri(d, "type", at);
            Iri(d, "moreInfo", at);
            Extensions(d["extensions"], $"{at}.extensions");
            if (String(d, "interactionType", at) && Text(d["interactionType"]) is { } interaction && !InteractionTypes.Contains(interaction))
                Fail($"{at}.interactionType", $"must be one of {string.Join(", ", InteractionTypes)}.");
            if (d.ContainsKey("correctResponsesPattern") && !d.ContainsKey("interactionType"))
                Fail($"{at}.correctResponsesPattern", "needs an interactionType.");
            if (d["correctResponsesPattern"] is { } pattern
                && (pattern is not JsonArray responses || responses.Any(r => Text(r) is null)))
                Fail($"{at}.correctResponsesPattern", "must be an array of strings.");
            foreach (var list in new[] { "choices", "scale", "source", "target", "steps" })
            {
                if (d[list] is not { } components) continue;
                if (!d.ContainsKey("interactionType")) Fail($"{at}.{list}", "needs an interactionType.");
                if (components is not JsonArray items) { Fail($"{at}.{list}", "must be an array."); continue; }
                var ids = new HashSet<string>();
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i] is not JsonObject c || !Only(c, $"{at}.{list}[{i}]", ["id", "description"])) { Fail($"{at}.{list}[{i}]", "must be an interaction component."); continue; }
                    if (String(c, "id", $"{at}.{list}[{i}]", required: true) && !ids.Add(Text(c["id"])!)) Fail($"{at}.{list}[{i}].id", "is not unique.");
                    LanguageMap(c["description"], $"{at}.{list}[{i}].description");
                }
            }
        }

        private void Result(JsonNode node, string path)
        {
            if (node is not JsonObject r) { Fail(path, "must be an object."); return; }
            if (!Only(r, path, ["score", "success", "completion", "response", "duration", "extensions"])) return;
            Bool(r, "success", path);
            Bool(r, "completion", path);
            String(r, "response", path);
            if (String(r, "duration", path) && Text(r["duration"]) is { } duration && !IsDuration(duration)) Fail($"{path}.duration", "must be an ISO 8601 duration.");
            Extensions(r["extensions"], $"{path}.extensions");
            if (r["score"] is not { } scoreNode) return;
            if (scoreNode is not JsonObject score) { Fail($"{path}.score", "must be an object."); return; }
            if (!Only(score, $"{path}.score", ["scaled", "raw", "min", "max"])) return;
            decimal? Number(string name)
            {
                if (score[name] is not { } n) return null;
                if (n.GetValueKind() != JsonValueKind.Number) { Fail($"{path}.score.{name}", "must be a number."); return null; }
                return n.GetValue<decimal>();
            }
            var (scaled, raw, min, max) = (Number("scaled"), Number("raw"), Number("min"), Number("max"));
            if (scaled is < -1m or > 1m) Fail($"{path}.score.scaled", "must be between -1 and 1.");
            if (min is { } lo && max is { } hi && lo >= hi) Fail($"{path}.score.min", "must be less than max.");
            if (raw is { } value && (value < min || value > max)) Fail($"{path}.score.raw", "must be between min and max.");
        }

        private void Context(JsonNode node, string path, JsonNode? statementObject)
        {
            if (node is not JsonObject c) { Fail(path, "must be an object."); return; }
            if (!Only(c, path, ["registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement", "extensions", "contextAgents", "contextGroups"])) return;
            if (String(c, "registration", path) && c["registration"] is not null && !IsUuid(Text(c["registration"]))) Fail($"{path}.registration", "must be a UUID.");
            if (c["instructor"] is { } instructor) Actor(instructor, $"{path}.instructor");
            if (c["team"] is { } team)
            {
                if (team is JsonObject t && Text(t["objectType"]) == "Group") Group(t, $"{path}.team");
                else Fail($"{path}.team", "must be a Group.");
            }
            String(c, "revision", path);
            String(c, "platform", path);
            var isActivity = statementObject is JsonObject o && (!o.ContainsKey("objectType") || Text(o["objectType"]) == "Activity");
            if (!isActivity && c.ContainsKey("revision")) Fail($"{path}.revision", "is only allowed when the object is an Activity.");
            if (!isActivity && c.ContainsKey("platform")) Fail($"{path}.platform", "is only allowed when the object is an Activity.");
            if (String(c, "language", path) && Text(c["language"]) is { } language && !LanguageTag().IsMatch(language)) Fail($"{path}.language", "is not a language tag.");
            if (c["statement"] is { } reference)
            {
                if (reference is JsonObject r && Text(r["objectType"]) == "StatementRef") StatementRef(r, $"{path}.statement");
                else Fail($"{path}.statement", "must be a StatementRef.");
            }
            Extensions(c["extensions"], $"{path}.extensions");
            ContextActors(c["contextAgents"], $"{path}.contextAgents", "contextAgent", "agent");
            ContextActors(c["contextGroups"], $"{path}.contextGroups", "contextGroup", "group");
            if (c["contextActivities"] is not { } activitiesNode) return;
            if (activitiesNode is not JsonObject activities) { Fail($"{path}.contextActivities", "must be an object."); return; }
            if (!Only(activities, $"{path}.contextActivities", ["parent", "grouping", "category", "other"])) return;
            foreach (var (name, value) in activities)
            {
                var at = $"{path}.contextActivities.{name}";
                if (value is JsonArray list)
                {
                    for (var i = 0; i < list.Count; i++)
                        if (list[i] is JsonObject a && (!a.ContainsKey("objectType") || Text(a["objectType"]) == "Activity")) Activity(a, $"{at}[{i}]");
                        else Fail($"{at}[{i}]", "must be an Activity.");
                }
                else if (value is JsonObject a && (!a.ContainsKey("objectType") || Text(a["objectType"]) == "Activity")) Activity(a, at);
                else Fail(at, "must be an Activity or an array of Activities.");
            }
        }

        /// <summary>xAPI 2.0's contextAgents and contextGroups: typed entries naming an agent or group and why it is relevant.</summary>
        private void ContextActors(JsonNode? node, string path, string objectType, string member)
        {
            if (node is null) return;
            if (node is not JsonArray list) { Fail(path, "must be an array."); return; }
            for (var i = 0; i < list.Count; i++)
            {
                var at = $"{path}[{i}]";
                if (list[i] is not JsonObject entry) { Fail(at, "must be an object."); continue; }
                if (!Only(entry, at, ["objectType", member, "relevantTypes"])) continue;
                if (Text(entry["objectType"]) != objectType) Fail($"{at}.objectType", $"must be '{objectType}'.");
                if (entry[member] is JsonObject who)
                {
                    if (member == "group" && Text(who["objectType"]) != "Group") Fail($"{at}.group", "must be a Group.");
                    else Actor(who, $"{at}.{member}");
                }
                else Fail($"{at}.{member}", "is required.");
                if (entry["relevantTypes"] is { } types
                    && (types is not JsonArray { Count: > 0 } typeList || typeList.Any(t => !IsIri(Text(t)))))
                    Fail($"{at}.relevantTypes", "must be a non-empty array of IRIs.");
            }
        }

        private void Attachments(JsonNode node, string path)
        {
            if (node is not JsonArray list) { Fail(path, "must be an array."); return; }
            for (var i = 0; i < list.Count; i++)
            {
                var at = $"{path}[{i}]";
                if (list[i] is not JsonObject a) { Fail(at, "must be an object."); continue; }
                if (!Only(a, at, ["usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"])) continue;
                Iri(a, "usageType", at, required: true);
                if (a["display"] is null) Fail($"{at}.display", "is required.");
                LanguageMap(a["display"], $"{at}.display");
                LanguageMap(a["description"], $"{at}.description");
                String(a, "contentType", at, required: true);
                if (a["length"] is not JsonValue length || length.GetValueKind() != JsonValueKind.Number || !length.TryGetValue<long>(out _))
                    Fail($"{at}.length", "must be a whole number.");
                String(a, "sha2", at, required: true);
                Iri(a, "fileUrl", at);
            }
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    private static partial Regex Uuid();

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex Scheme();

    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex Sha1();

    [GeneratedRegex("^(?:[a-zA-Z]{2,8}(?:-[a-zA-Z0-9]{1,8})*|[xXiI](?:-[a-zA-Z0-9]{1,8})+)$")]
    private static partial Regex LanguageTag();

    [GeneratedRegex(@"^(?:1\.0(?:\.\d+)?|2\.0(?:\.\d+)?)$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^P(?:\d+(?:\.\d+)?W|(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?(?:T(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?)$")]
    private static partial Regex Duration();
}
