using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.Cookies;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;

namespace PmoLedger.Web;

/// <summary>
/// Someone who works on the ledger rather than being recorded in it: an admin, an auditor, or a
/// provider's staff member bound to that provider. Keyed by the address's keyed hash
/// (<see cref="KeyRing.EmailLookupKey"/>), as practitioners' addresses are, so one address is one account and
/// a lookup never compares plain addresses. The address itself is kept: it is who the staff member acts as on
/// the events they cause, and what an admin sees in the staff list (docs/privacy.md, "Staff accounts").
/// </summary>
public sealed class StaffMember
{
    public string Id { get; set; } = "";
    public string Email { get; set; } = "";
    public string FullName { get; set; } = "";
    public string Role { get; set; } = "";
    public Guid? ProviderId { get; set; }
    public DateTimeOffset AddedAt { get; set; }
    public string? AddedBy { get; set; }
    /// <summary>Optional notices this person stopped with the link in one (docs/notifications.md).</summary>
    public string[] StoppedNotices { get; set; } = [];
}

/// <summary>
/// Everything one email address may sign in as: a practitioner record, a staff role, or both. Found by the
/// address's keyed hash, which is all a sign-in link keeps.
/// </summary>
public sealed record Account(string LookupKey, string DisplayName, Guid? PractitionerId, StaffMember? Staff, string? ProviderName = null)
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>
    /// The same claims the API's tokens carry (role, practitioner_id, provider_id), so every
    /// authorisation rule of the API reads a browser session exactly as it reads a bearer token.
    /// </summary>
    public ClaimsPrincipal Principal()
    {
        var claims = new List<Claim>
        {
            // Events record who caused them: staff by their address, practitioners by their id as the API's tokens do.
            // No email claim: the ticket is stored (WebSession) and nothing reads the address from it.
            new("sub", Staff is not null ? Staff.Email : $"practitioner:{PractitionerId}"),
            new("name", DisplayName)
        };
        if (PractitionerId is { } id)
        {
            claims.Add(new Claim(Roles.RoleClaim, Roles.Practitioner));
            claims.Add(new Claim(Roles.PractitionerClaim, id.ToString()));
        }
        if (Staff is not null)
        {
            claims.Add(new Claim(Roles.RoleClaim, Staff.Role));
            if (Staff.ProviderId is { } provider)
            {
                claims.Add(new Claim(Roles.ProviderClaim, provider.ToString()));
                claims.Add(new Claim("provider_name", ProviderName ?? ""));
            }
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, "sub", Roles.RoleClaim));
    }

    public static async Task<Account?> FindAsync(IQuerySession session, string key, CancellationToken ct)
    {
        var staff = await session.LoadAsync<StaffMember>(key, ct);
        var claim = await session.LoadAsync<PractitionerEmail>(key, ct);
        var profile = claim is null ? null : await session.LoadAsync<PractitionerProfile>(claim.PractitionerId, ct);
        if (staff is null && profile is null) return null;
        var provider = staff?.ProviderId is { } providerId ? await session.LoadAsync<Provider>(providerId, ct) : null;
        return new Account(key, profile?.FullName ?? staff!.FullName, profile?.Id, staff, provider?.Name);
    }
}

/// <summary>
/// A one-time sign-in link as stored: only the SHA-256 of its secret, so a copy of the database
/// cannot sign anyone in, and the account's lookup key rather than its address. Versioned, so two
/// clicks racing on one link cannot both succeed.
/// </summary>
public sealed class SignInLink
{
    public string Id { get; set; } = "";
    public string AccountKey { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

public enum Redemption { SignedIn, Unknown, Used, Expired }

public static class SignInLinks
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>A new link: the secret for the email, and the record that keeps only its hash.</summary>
    public static (string Secret, SignInLink Stored) Issue(string accountKey, DateTimeOffset now)
    {
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (secret, new SignInLink { Id = Hash(secret), AccountKey = accountKey, IssuedAt = now, ExpiresAt = now + Lifetime });
    }

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));

    /// <summary>Whether a link may sign someone in at <paramref name="now"/>; expiry is checked before use so a late click learns why.</summary>
    public static Redemption Decide(SignInLink? link, DateTimeOffset now) => link switch
    {
        null => Redemption.Unknown,
        { UsedAt: not null } => Redemption.Used,
        _ when now >= link.ExpiresAt => Redemption.Expired,
        _ => Redemption.SignedIn
    };

    public static string Url(string baseUrl, string secret) => $"{baseUrl.TrimEnd('/')}/signin/{secret}";

    /// <summary>Issues and stores a link for an existing account, or returns null for an unknown address.</summary>
    public static async Task<string?> CreateAsync(IDocumentSession session, KeyRing keys, string email, DateTimeOffset now, CancellationToken ct)
    {
        var account = await Account.FindAsync(session, keys.EmailLookupKey(email), ct);
        if (account is null) return null;
        var (secret, stored) = Issue(account.LookupKey, now);
        session.Store(stored);
        // A day after expiry a link is only a hash nobody can use; keep the recent ones so a late click hears why.
        var stale = now - Lifetime - TimeSpan.FromDays(1);
        session.DeleteWhere<SignInLink>(l => l.ExpiresAt < stale);
        await session.SaveChangesAsync(ct);
        return secret;
    }
}
