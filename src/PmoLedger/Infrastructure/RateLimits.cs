using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Fair load (docs/operations.md, "Rate limits"): each provider key and each signed-in user gets a token bucket,
/// so one busy caller cannot take a node from the others. Over the limit is 429 problem+json with Retry-After.
/// Anonymous requests are not limited here (sign-in links have their own limits); limits count per node.
/// </summary>
public static class RateLimits
{
    /// <summary>Requests per <see cref="Window"/> (sustained) and in one burst, for a provider key and for a user.</summary>
    public sealed record Settings(int ProviderPerWindow, int ProviderBurst, int UserPerWindow, int UserBurst, TimeSpan Window)
    {
        public static Settings From(IConfiguration configuration) => new(
            configuration.GetValue("RateLimits:ProviderPerWindow", 100),
            configuration.GetValue("RateLimits:ProviderBurst", 200),
            configuration.GetValue("RateLimits:UserPerWindow", 20),
            configuration.GetValue("RateLimits:UserBurst", 40),
            configuration.GetValue("RateLimits:Window", TimeSpan.FromSeconds(1)));
    }

    // The web application's session cookie: pages authenticate it per page, after this limiter has run.
    private const string SessionCookie = "pmoledger.session";

    public static IServiceCollection AddLedgerRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = Settings.From(configuration);
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Caller(context) switch
            {
                { } caller when caller.StartsWith("provider:", StringComparison.Ordinal) =>
                    Bucket(caller, settings.ProviderPerWindow, settings.ProviderBurst, settings.Window),
                { } caller => Bucket(caller, settings.UserPerWindow, settings.UserBurst, settings.Window),
                null => RateLimitPartition.GetNoLimiter("anonymous")
            });
            o.OnRejected = async (rejected, ct) =>
            {
                var context = rejected.HttpContext;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var seconds = (int)Math.Max(1, Math.Ceiling(wait.TotalSeconds));
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"This {(Caller(context)?.StartsWith("provider:", StringComparison.Ordinal) == true ? "provider key" : "account")} " +
                                 $"sent more requests than its share. Retry after {seconds} seconds; nothing was recorded."
                    }
                });
            };
        });
        return services;
    }

    /// <summary>Who is calling, as a partition key: the authenticated name (a provider key's is "provider:{id}"), else the session.</summary>
    private static string? Caller(HttpContext context)
    {
        if (context.User.Identity is { IsAuthenticated: true, Name: { } name }) return name;
        return context.Request.Cookies.TryGetValue(SessionCookie, out var session) && session.Length > 0
            ? "session:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(session)))
            : null;
    }

    private static RateLimitPartition<string> Bucket(string key, int perWindow, int burst, TimeSpan window) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokensPerPeriod = perWindow,
            ReplenishmentPeriod = window,
            TokenLimit = burst,
            QueueLimit = 0,
            AutoReplenishment = true
        });
}
