using System.Text.Json.Nodes;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Credentials;

/// <summary>Where the credentials live on the web and who issues them (section "Credentials").</summary>
public sealed record CredentialSettings(string BaseUrl, string IssuerName)
{
    public static CredentialSettings From(IConfiguration configuration) => new(
        (configuration["Credentials:BaseUrl"] ?? "http://127.0.0.1:5080").TrimEnd('/'),
        configuration["Credentials:IssuerName"] ?? "PmoLedger");

    public string IssuerId => $"{BaseUrl}/credentials/issuer";
    public string AchievementUrl(string slug) => $"{BaseUrl}/credentials/achievements/{slug}";
    public string CredentialUrl(Guid credentialId) => $"{BaseUrl}/credentials/{credentialId}";
    public string StatusListUrl(int list) => $"{BaseUrl}/credentials/status/{list}";
    public string SubjectUrl(Guid subjectId) => $"{BaseUrl}/credentials/subjects/{subjectId:N}";
    public string ImageUrl => $"{BaseUrl}/web/icon.svg";
}

/// <summary>The Open Badges 3.0 documents, exactly as credentials.md lays them out.</summary>
public static class OpenBadge
{
    public const string VcContext = "https://www.w3.org/ns/credentials/v2";
    public const string ObContext = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
    public const string SchemaId = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

    public static JsonObject Issuer(CredentialSettings settings) => new()
    {
        ["@context"] = new JsonArray(VcContext, ObContext),
        ["id"] = settings.IssuerId,
        ["type"] = new JsonArray("Profile"),
        ["name"] = settings.IssuerName,
        ["url"] = settings.BaseUrl,
        ["description"] = "The PMO profession's system of record for learning and careers. It issues credentials for what its ledger records."
    };

    public static JsonObject Achievement(AchievementDefinition achievement, CredentialSettings settings, bool withContext = false)
    {
        var json = new JsonObject();
        if (withContext) json["@context"] = new JsonArray(VcContext, ObContext);
        json["id"] = settings.AchievementUrl(achievement.Id);
        json["type"] = new JsonArray("Achievement");
        json["name"] = achievement.Name;
        json["description"] = achievement.Description;
        json["criteria"] = new JsonObject { ["narrative"] = achievement.Criteria };
        json["image"] = new JsonObject { ["id"] = settings.ImageUrl, ["type"] = "Image" };
        return json;
    }

    public static JsonObject Credential(CredentialIssued issued, AchievementDefinition achievement, CredentialSettings settings)
    {
        var credential = new JsonObject
        {
            ["@context"] = new JsonArray(VcContext, ObContext),
            ["id"] = $"urn:uuid:{issued.CredentialId}",
            ["type"] = new JsonArray("VerifiableCredential", "OpenBadgeCredential"),
            ["name"] = issued.Name,
            ["issuer"] = new JsonObject { ["id"] = settings.IssuerId, ["type"] = new JsonArray("Profile"), ["name"] = settings.IssuerName, ["url"] = settings.BaseUrl },
            ["validFrom"] = Instant(issued.ValidFrom)
        };
        if (issued.ValidUntil is { } until) credential["validUntil"] = Instant(until);
        credential["credentialSubject"] = new JsonObject
        {
            ["id"] = settings.SubjectUrl(issued.SubjectId),
            ["type"] = new JsonArray("AchievementSubject"),
            ["identifier"] = new JsonArray(new JsonObject
            {
                ["type"] = "IdentityObject", ["identityHash"] = issued.IdentityHash, ["identityType"] = "emailAddress",
                ["hashed"] = true, ["salt"] = issued.Salt.Text
            }),
            ["achievement"] = Achievement(achievement, settings)
        };
        credential["credentialStatus"] = new JsonObject
        {
            ["id"] = $"{settings.StatusListUrl(issued.StatusList)}#{issued.StatusIndex}",
            ["type"] = "BitstringStatusListEntry",
            ["statusPurpose"] = "revocation",
            ["statusListIndex"] = issued.StatusIndex.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["statusListCredential"] = settings.StatusListUrl(issued.StatusList)
        };
        credential["credentialSchema"] = new JsonArray(new JsonObject { ["id"] = SchemaId, ["type"] = "1EdTechJsonSchemaValidator2019" });
        return credential;
    }

    /// <summary>Business dates become the instant the day begins, in UTC.</summary>
    public static string Instant(DateOnly day) => $"{day:yyyy-MM-dd}T00:00:00Z";

    public static string Instant(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
