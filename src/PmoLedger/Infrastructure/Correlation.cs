using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Frames;
using Marten;
using Serilog.Context;

namespace PmoLedger.Infrastructure;

/// <summary>
/// One correlation id per request: taken from X-Correlation-ID when the caller sends one,
/// otherwise the trace id. It goes on every log line, the response, and every event recorded.
/// </summary>
public sealed class Correlation(RequestDelegate next)
{
    public const string Header = "X-Correlation-ID";
    public const string ItemKey = "CorrelationId";

    public async Task InvokeAsync(HttpContext context)
    {
        var supplied = context.Request.Headers[Header].ToString();
        var id = supplied.Length is > 0 and <= 128 ? supplied : context.TraceIdentifier;
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        using (LogContext.PushProperty(ItemKey, id))
        {
            await next(context);
        }
    }

    /// <summary>
    /// Wolverine middleware: hands the request's correlation id to the message context, so messages the
    /// request sends or schedules carry it (events get it from the CorrelationListener).
    /// </summary>
    public static void Apply(HttpContext httpContext, IMessageContext messaging)
    {
        if (httpContext.Items[ItemKey] is string id) messaging.CorrelationId = id;
    }
}

public sealed class CorrelationPolicy : IHttpPolicy
{
    public void Apply(IReadOnlyList<HttpChain> chains, GenerationRules rules, IServiceContainer container)
    {
        foreach (var chain in chains)
            chain.Middleware.Insert(0, new MethodCall(typeof(Correlation), nameof(Correlation.Apply)));
    }
}

/// <summary>
/// Stamps the request's correlation id on everything a session records. Wolverine opens the Marten
/// session before any endpoint middleware runs, so the session would otherwise carry the trace id
/// it was opened with rather than the caller's X-Correlation-ID. Outside a request nothing changes.
/// </summary>
public sealed class CorrelationListener(IHttpContextAccessor http) : DocumentSessionListenerBase
{
    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (http.HttpContext?.Items[Correlation.ItemKey] is string id)
        {
            session.CorrelationId = id;
            foreach (var stream in session.PendingChanges.Streams())
            foreach (var e in stream.Events)
                e.CorrelationId = id;
        }
        return Task.CompletedTask;
    }
}
