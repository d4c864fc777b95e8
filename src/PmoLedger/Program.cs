using JasperFx;
using JasperFx.CodeGeneration;
using Marten;
using PmoLedger;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Demo;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;
using PmoLedger.Features.Xapi;
using PmoLedger.Infrastructure;
using PmoLedger.Web;
using Scalar.AspNetCore;
using Serilog;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

CommandOutput.SeparateFromChatter(args);

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();

try
{
    var builder = WebApplication.CreateBuilder(args);
    var configuration = builder.Configuration;
    var connectionString = configuration.GetConnectionString("Ledger")
        ?? throw new InvalidOperationException("ConnectionStrings:Ledger is not configured.");

    // Each host logs through its own logger (preserveStaticLogger), never the static one: another host in the same
    // process (tests, tools) replaces the static logger and closes it when it stops, which would silence this host's
    // log and drop the request log's diagnostic properties. The static bootstrap logger only reports a failed start.
    builder.Services.AddSerilog((services, logger) => logger
        .ReadFrom.Configuration(configuration)
        .ReadFrom.Services(services)
        .Enrich.FromLogContext()
        .WriteTo.Console(outputTemplate:
            "[{Timestamp:HH:mm:ss} {Level:u3}] {CorrelationId} {Message:lj} {SourceContext}{NewLine}{Exception}"),
        preserveStaticLogger: true);

    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.ConfigureHttpJsonOptions(o =>
    {
        PmoLedger.Infrastructure.Json.Configure(o.SerializerOptions);
        ApiRules.StrictBodies(o.SerializerOptions);
    });
    builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
    {
        LedgerExceptionHandler.Customize(context);
        ApiRules.Explain(context);
    });
    // Before the API's handler: failures on pages get an HTML page, the API keeps problem+json.
    builder.Services.AddLedgerWeb(configuration);
    builder.Services.AddExceptionHandler<LedgerExceptionHandler>();
    builder.Services.AddLedgerAuth(AuthSettings.From(configuration, builder.Environment), ApiKeyAuthentication.Header, ApiKeyAuthentication.SchemeName)
        .AddProviderApiKeys();
    builder.Services.AddOpenApi(OpenApiSetup.Configure);
    builder.Services.AddLedgerHosting(configuration, completionEvent: typeof(TrainingCompleted));

    var privacy = PrivacySettings.From(configuration, builder.Environment);
    if (privacy.DevelopmentKeyFile is { } keyFile)
        Log.Information(privacy.GeneratedNow
            ? "Generated a development master key for personal data at {KeyFile}"
            : "Using the development master key for personal data at {KeyFile}", keyFile);
    var keys = new KeyRing(privacy, connectionString);
    builder.Services.AddSingleton(keys);

    var schema = SchemaOnStart.From(configuration, builder.Environment);
    var marten = builder.Services.AddMarten(opts => LedgerStore.Configure(opts, connectionString, keys))
        .UseLightweightSessions();
    if (schema.Apply) marten.ApplyAllDatabaseChangesOnStartup();
    marten.IntegrateWithLedgerNodes(configuration);
    builder.Services.AddHttpContextAccessor();
    builder.Services.ConfigureMarten((services, opts) =>
    {
        // Event timestamps (recordedAt) come from the same clock as business time, at the database's precision.
        opts.Events.TimeProvider = new MicrosecondClock(services.GetRequiredService<TimeProvider>());
        opts.Listeners.Add(new CorrelationListener(services.GetRequiredService<IHttpContextAccessor>()));
        opts.Logger(new LedgerMartenLogger(services.GetRequiredService<ILogger<IDocumentStore>>()));
    });

    builder.Host.UseWolverine(opts =>
    {
        opts.Policies.AutoApplyTransactions();
        opts.Policies.UseDurableLocalQueues();
        opts.EnableRelayOfUserName = true;
        opts.Durability.ScheduledJobPollingTime = configuration.GetValue("Wolverine:ScheduledJobPollingTime", TimeSpan.FromSeconds(5));
        opts.ConfigureLedgerNodes(configuration);
        schema.Configure(opts);
        // Generated handler code: compiled at start in development and tests, pre-generated
        // (`codegen write`) and loaded statically in production images.
        opts.CodeGeneration.TypeLoadMode = configuration.GetValue("Wolverine:TypeLoadMode", TypeLoadMode.Dynamic);
        if (opts.CodeGeneration.TypeLoadMode != TypeLoadMode.Static) opts.UseRuntimeCompilation();
    });
    builder.Services.AddWolverineHttp();
    builder.Services.AddScoped<CompletionIntake>();
    // After Marten's schema migration, before anything reads or writes personal data.
    builder.Services.AddHostedService<PrivacyStartupCheck>();
    builder.Services.AddXapi();
    builder.Services.AddCpdRuleVersions(configuration);
    builder.Services.AddCredentials(configuration, builder.Environment);
    builder.Services.AddNotifications();
    builder.Services.AddHostedService<DemoDataOnFirstStart>();

    var app = builder.Build();

    app.UseMiddleware<Correlation>();
    // The request log too: it falls back to the static logger unless given one.
    var hostLogger = app.Services.GetRequiredService<Serilog.ILogger>();
    app.UseSerilogRequestLogging(options =>
    {
        LogRedaction.Configure(options);
        options.Logger = hostLogger;
    });
    app.UseExceptionHandler();
    app.UseStatusCodePages();
    app.UseLedgerWeb();
    app.UseMiddleware<BodyLimit>(configuration.GetValue("Api:MaxBodyBytes", 4L * 1024 * 1024));
    app.UseXapiAlternateSyntax();
    // Routing after the alternate syntax, which changes the method and parameters a route is chosen by.
    app.UseRouting();
    app.UseAuthentication();
    // After authentication: limits count per provider key and per signed-in user.
    app.UseRateLimiter();
    app.UseAuthorization();
    app.UseMiddleware<UnusableIds>();

    app.MapLedgerHealth();
    app.MapOpenApi().AllowAnonymous();
    app.MapScalarApiReference("/docs").AllowAnonymous();
    app.MapLedgerWeb();
    app.MapWolverineEndpoints(opts =>
    {
        opts.RequireAuthorizeOnAll();
        opts.AddPolicy<CorrelationPolicy>();
    });

    app.MapXapi();

    // A plain start skips JasperFx's search of seven assemblies for commands: it is only needed to run one.
    if (args.Length > 0) return await app.RunJasperFxCommands(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "PmoLedger failed to start");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

public partial class Program;
