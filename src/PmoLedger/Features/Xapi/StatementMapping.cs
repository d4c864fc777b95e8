using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JasperFx.Events;
using Marten.Events.Projections;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Xapi;

/// <summary>
/// Finds a practitioner by the SHA-1 of their mailto: IRI, as xAPI's mbox_sha1sum names them. The id is the keyed
/// hash of that agent key (<see cref="KeyRing.LookupKey"/>): a plain SHA-1 of an address is as good as the address to
/// anyone who can guess it, so it is never stored.
/// </summary>
public sealed class PractitionerMboxHash
{
    public string Id { get; set; } = "";
    public Guid PractitionerId { get; set; }

    /// <summary>sha1 of the lower-cased <c>mailto:</c> IRI, as an LMS computes mbox_sha1sum.</summary>
    public static string Sha1Of(string email) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes("mailto:" + email.Trim().ToLowerInvariant())));

    /// <summary>The agent key (<see cref="StatementIndex.Key"/>) of an mbox_sha1sum naming this address.</summary>
    public static string AgentKeyOf(string email) => "sha1:" + Sha1Of(email);
}

/// <summary>Keeps the mbox_sha1sum lookup beside every registration.</summary>
public sealed partial class PractitionerMboxHashProjection(KeyRing keys) : EventProjection
{
    public PractitionerMboxHash Create(PractitionerRegistered e) =>
        new() { Id = keys.LookupKey(PractitionerMboxHash.AgentKeyOf(e.Email)), PractitionerId = e.PractitionerId };

    /// <summary>A corrected email replaces the lookup; the old address no longer finds anyone.</summary>
    public void Project(IEvent<PractitionerDetailsCorrected> e, IDocumentOperations ops)
    {
        if (e.Data.Email is not { } email) return;
        ops.DeleteWhere<PractitionerMboxHash>(x => x.PractitionerId == e.StreamId);
        ops.Store(new PractitionerMboxHash { Id = keys.LookupKey(PractitionerMboxHash.AgentKeyOf(email)), PractitionerId = e.StreamId });
    }

    /// <summary>After an erasure, statements about the person are no longer matched to them.</summary>
    public void Project(IEvent<PersonalDataErased> e, IDocumentOperations ops) =>
        ops.DeleteWhere<PractitionerMboxHash>(x => x.PractitionerId == e.StreamId);
}

/// <summary>How a statement's actor may name a practitioner: the lookups to make, in the order xapi.md lists them.</summary>
public sealed record ActorIdentity(string? Email, string? MboxSha1, Guid? AccountId)
{
    public static ActorIdentity Of(JsonNode? actor, string baseUrl)
    {
        static string? Text(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        if (actor is not JsonObject a || Text(a["objectType"]) == "Group") return new(null, null, null);
        var email = Text(a["mbox"]) is { } mbox && mbox.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)
            ? mbox["mailto:".Length..].Trim().ToLowerInvariant()
            : null;
        var sha = Text(a["mbox_sha1sum"])?.ToLowerInvariant();
        Guid? account = a["account"] is JsonObject acc
            && Text(acc["homePage"]) is { } home && home.TrimEnd('/') == baseUrl.TrimEnd('/')
            && Guid.TryParse(Text(acc["name"]), out var id) ? id : null;
        return new(email, sha, account);
    }
}

/// <summary>A stored statement's fate: a completion for a practitioner, or the reason it stays unmapped.</summary>
public sealed record Mapping(Guid? PractitionerId, Completion? Completion, string? Reason);

/// <summary>The mapping table of xapi.md, as a pure function of the statement and whom its actor turned out to be.</summary>
public static class StatementMapping
{
    public const string CpdPointsExtension = "urn:pmoledger:xapi:cpd-points";
    public const int MaxCourseCode = 2048;

    private static readonly Dictionary<string, TrainingOutcome> Verbs = new()
    {
        ["http://adlnet.gov/expapi/verbs/completed"] = TrainingOutcome.Completed,
        ["http://adlnet.gov/expapi/verbs/passed"] = TrainingOutcome.Passed,
        ["http://adlnet.gov/expapi/verbs/failed"] = TrainingOutcome.Failed,
        ["http://adlnet.gov/expapi/verbs/attended"] = TrainingOutcome.Attended
    };

    public const string ReferencePrefix = "xapi:";

    public static string Reference(Guid statementId) => ReferencePrefix + statementId;

    /// <param name="statement">The statement as stored (id, timestamp and stored set).</param>
    /// <param name="practitionerId">The registered practitioner its actor names, if any.</param>
    /// <param name="today">Completions are never dated in the future, as for a posted completion.</param>
    public static Mapping Map(JsonObject statement, Guid? practitionerId, DateOnly today)
    {
        if (!Verbs.TryGetValue(Text(statement["verb"]?["id"]) ?? "", out var outcome))
            return new(practitionerId, null, $"The verb {Text(statement["verb"]?["id"])} is not one that records a completion (completed, passed, failed, attended).");
        if (statement["object"] is not JsonObject activity || (Text(activity["objectType"]) ?? "Activity") != "Activity")
            return new(practitionerId, null, "The object is not an Activity.");
        if (practitionerId is null)
            return new(null, null, "The actor is not a registered practitioner (match by mbox, mbox_sha1sum, or an account on this service's base URL).");

        var courseCode = Text(activity["id"])!;
        if (courseCode.Length > MaxCourseCode) return new(practitionerId, null, $"The activity id is longer than {MaxCourseCode} characters.");
        var points = CpdPoints(statement, out var pointsProblem);
        if (pointsProblem is not null) return new(practitionerId, null, pointsProblem);

        var when = Text(statement["timestamp"]) ?? Text(statement["stored"])!;
        var completedOn = DateOnly.FromDateTime(DateTimeOffset.Parse(when, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime);
        if (completedOn > today) return new(practitionerId, null, $"The statement is dated {completedOn:yyyy-MM-dd}, in the future.");
        var completion = new Completion(Reference(Guid.Parse(Text(statement["id"])!)), courseCode, Title(activity) ?? courseCode,
            completedOn, outcome, Score(statement["result"]?["score"]), points, null);
        return new(practitionerId, completion, null);
    }

    private static string? Title(JsonObject activity)
    {
        if (activity["definition"]?["name"] is not JsonObject names || names.Count == 0) return null;
        foreach (var tag in new[] { "en-GB", "en-US", "en" })
            if (names.FirstOrDefault(n => n.Key.Equals(tag, StringComparison.OrdinalIgnoreCase)).Value is { } name) return Text(name);
        return Text(names.First().Value);
    }

    private static decimal? Score(JsonNode? score)
    {
        if (Number(score?["scaled"]) is { } scaled && scaled is >= 0m and <= 1m) return scaled;
        if (Number(score?["raw"]) is { } raw && Number(score?["max"]) is { } max && max > 0m && Number(score?["min"]) is null or 0m)
            return raw / max is var ratio and >= 0m and <= 1m ? Math.Round(ratio, 4) : null;
        return null;
    }

    private static decimal CpdPoints(JsonObject statement, out string? problem)
    {
        problem = null;
        var extension = statement["result"]?["extensions"]?[CpdPointsExtension] ?? statement["context"]?["extensions"]?[CpdPointsExtension];
        if (extension is not null)
        {
            if (Number(extension) is { } points && points is >= 0m and <= 40m && points * 2 == decimal.Truncate(points * 2)) return points;
            problem = $"The extension {CpdPointsExtension} must be a number from 0 to 40 in steps of 0.5.";
            return 0m;
        }
        if (Text(statement["result"]?["duration"]) is { } duration && Hours(duration) is { } hours)
            return Math.Min(40m, decimal.Floor(hours * 2) / 2);
        return 0m;
    }

    /// <summary>An ISO 8601 duration in hours, read as an XML Schema duration (fractions only in seconds); unreadable is none.</summary>
    public static decimal? Hours(string duration)
    {
        try
        {
            var span = System.Xml.XmlConvert.ToTimeSpan(duration);
            return (decimal)span.TotalHours;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return 40m;
        }
    }

    private static string? Text(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static decimal? Number(JsonNode? n) =>
        n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<decimal>(out var d) ? d : null;
}
