using System.Text.RegularExpressions;
using JasperFx;
using JasperFx.Events;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using System.Reflection;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Turns the failures that reach the pipeline into RFC 9457 answers. Conflicts found by the
/// database at commit (a stale stream version, a unique key taken) are 409s, not 500s; the
/// transaction has already rolled back, so nothing was written.
/// </summary>
public sealed partial class LedgerExceptionHandler(IProblemDetailsService problems, ILogger<LedgerExceptionHandler> logger, IConfiguration configuration) : IExceptionHandler
{
    private readonly int _retryAfter = configuration.GetValue("Api:RetryAfterSeconds", DatabaseOutage.DefaultRetryAfterSeconds);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var problem = exception switch
        {
            DocumentAlreadyExistsException { DocType: var type } when type.GetCustomAttribute<ConflictMessageAttribute>() is { } taken =>
                Problems.Conflict(taken.Message),
            DocumentAlreadyExistsException or ExistingStreamIdCollisionException =>
                Problems.Conflict("That record already exists."),
            PersonalDataErasedException erased => Problems.Conflict(erased.Message),
            _ when WriteConflicts.Is(exception) =>
                Problems.Conflict("The record was changed by another request at the same time. Read it again and retry."),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message },
            _ when DatabaseOutage.Is(exception) => Unavailable(context, exception, _retryAfter, logger),
            _ => null
        };

        if (problem is null)
        {
            logger.LogError(exception, "Unhandled failure on {Path}", context.Request.Path);
            problem = new ProblemDetails { Status = 500, Title = "Unexpected failure", Detail = "The failure was logged; nothing was recorded." };
        }

        context.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// 503 with Retry-After: the database is unreachable. A write whose commit was in flight when the
    /// connection dropped may have been recorded, which is why the detail points at idempotent retries.
    /// </summary>
    public static ProblemDetails Unavailable(HttpContext context, Exception exception, int retryAfterSeconds, ILogger logger)
    {
        logger.LogWarning("Database unreachable ({Failure}); answered 503", exception.GetBaseException().Message);
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service temporarily unavailable",
            Detail = $"The ledger's database cannot be reached just now. Retry after {retryAfterSeconds} seconds; " +
                     "a completion or xAPI statement sent again with the same reference or id is recorded once."
        };
    }

    /// <summary>
    /// Wolverine answers unreadable JSON with a problem whose detail names the JSON path; this adds
    /// the `errors` object keyed by field name that every other validation failure carries.
    /// </summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        if (context.HttpContext.Items[Correlation.ItemKey] is string correlationId)
            problem.Extensions["correlationId"] = correlationId;

        if (problem.Status == 400 && problem.Title == "Invalid JSON format" && problem.Detail is { } detail)
        {
            var path = JsonPath().Match(detail);
            var field = path.Success ? path.Groups[1].Value.TrimStart('.') : "body";
            if (field.Length == 0) field = "body";
            problem.Extensions["errors"] = new Dictionary<string, string[]>
            {
                [field] = [$"'{field}' could not be read: {Reason(detail)}"]
            };
        }
    }

    private static string Reason(string detail)
    {
        var cut = detail.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? detail[..cut] : detail;
    }

    [GeneratedRegex(@"Path: \$\.?([A-Za-z0-9_.\[\]]*)")]
    private static partial Regex JsonPath();
}

/// <summary>What a 409 says when a document of this type (a unique key) is already taken.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ConflictMessageAttribute(string message) : Attribute
{
    public string Message { get; } = message;
}

/// <summary>Answers a body over the limit with 413 before anything reads it.</summary>
public sealed class BodyLimit(RequestDelegate next, long maxBytes)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        // A route that takes more (evidence files) says so with [RequestSizeLimit].
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? maxBytes;
        if (context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = 413, Title = "Request body too large",
                    Detail = $"The body is {context.Request.ContentLength} bytes; the limit is {limit} bytes."
                }
            });
            return;
        }
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = limit;
        await next(context);
    }
}
