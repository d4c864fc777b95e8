using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PmoLedger.Infrastructure;

/// <summary>Bearer JWT settings (section "Auth").</summary>
public sealed class AuthSettings
{
    public string Issuer { get; set; } = "pmoledger";
    public string Audience { get; set; } = "pmoledger-api";
    public string? SigningKey { get; set; }
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(8);

    public SymmetricSecurityKey Key() => new(Encoding.UTF8.GetBytes(SigningKey!));

    public static AuthSettings From(IConfiguration configuration, IHostEnvironment environment)
    {
        var settings = configuration.GetSection("Auth").Get<AuthSettings>() ?? new AuthSettings();
        if (string.IsNullOrWhiteSpace(settings.SigningKey))
        {
            throw new InvalidOperationException(environment.IsDevelopment()
                ? "Auth:SigningKey is missing from appsettings.Development.json."
                : "Auth:SigningKey is not configured. Set it (at least 32 characters) through configuration, e.g. the Auth__SigningKey environment variable; the service will not start without it.");
        }
        if (settings.SigningKey.Length < 32)
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 characters.");
        return settings;
    }

    /// <summary>Mints a token the service accepts: the `token` command uses this.</summary>
    public string Mint(string role, Guid? practitionerId, string? name, DateTimeOffset now)
    {
        var claims = new Dictionary<string, object>
        {
            [Roles.RoleClaim] = role,
            [JwtRegisteredClaimNames.Sub] = name ?? (practitionerId is { } p ? $"practitioner:{p}" : $"{role}@pmoledger.local")
        };
        if (practitionerId is { } id) claims[Roles.PractitionerClaim] = id.ToString();

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + TokenLifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(Key(), SecurityAlgorithms.HmacSha256)
        });
    }
}

public static class AuthSetup
{
    private const string Smart = "jwt-or-api-key";

    /// <summary>
    /// One entry scheme that forwards to the API-key handler when X-Api-Key is present and to
    /// JWT bearer otherwise, so every route accepts whichever credential its callers hold.
    /// </summary>
    public static AuthenticationBuilder AddLedgerAuth(this IServiceCollection services, AuthSettings settings, string apiKeyHeader, string apiKeyScheme)
    {
        services.AddSingleton(settings);
        services.AddAuthorization();
        return services.AddAuthentication(Smart)
            .AddPolicyScheme(Smart, Smart, o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(apiKeyHeader) ? apiKeyScheme : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = settings.Audience,
                    IssuerSigningKey = settings.Key(),
                    NameClaimType = JwtRegisteredClaimNames.Sub,
                    RoleClaimType = Roles.RoleClaim,
                    ClockSkew = TimeSpan.FromSeconds(30)
                };
            });
    }
}
