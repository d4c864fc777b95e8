using System.Globalization;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>Command-line settings. `--quick` shrinks every phase to a smoke test of the harness.</summary>
public sealed class Settings
{
    public bool Quick { get; private init; }
    public int Runs { get; private init; } = 3;
    public TimeSpan Warmup { get; private init; } = TimeSpan.FromSeconds(2);
    public TimeSpan Duration { get; private init; } = TimeSpan.FromSeconds(6);
    public int[] Concurrency { get; private init; } = [8, 32];
    public int RebuildEvents { get; private init; } = 1_000_000;
    /// <summary>Also time the rebuild as it was before the composite (one projection after the other), for the before column.</summary>
    public bool RebuildPerProjection { get; private init; }
    public int[] AsOfSizes { get; private init; } = [100, 1_000, 10_000];
    public string[] Phases { get; private init; } = ["coldstart", "ingest", "timeline", "xapi", "credentials", "asof", "search", "pages", "rebuild"];
    public string ServiceDll { get; private init; } = "";
    public string Connection { get; private init; } = "";
    public string RebuildConnection { get; private init; } = "";
    public string TypeLoadMode { get; private init; } = "Static";

    /// <summary>
    /// The same service built from a commit without encryption at rest (bench.sh, PMOLEDGER_BENCH_BASELINE_REF), with
    /// its own database: ingest is then measured against it in the same run (docs/privacy.md).
    /// </summary>
    public string? BaselineServiceDll { get; private init; }
    public string? BaselineConnection { get; private init; }
    public string Output { get; private init; } = "docs/benchmarks.json";

    // PMOLEDGER_BENCH_PORT_BASE moves the four ports together, so two benchmark runs can share a machine.
    private static readonly int PortBase = int.TryParse(Environment.GetEnvironmentVariable("PMOLEDGER_BENCH_PORT_BASE"), out var b) ? b : 5391;
    public static readonly int ServicePort = PortBase;
    public static readonly int ReferencePort = PortBase + 1;
    public static readonly int ColdStartPort = PortBase + 2;
    public static readonly int BaselinePort = PortBase + 3;

    /// <summary>The service is started with this key, so the benchmark can mint tokens it accepts.</summary>
    public static readonly AuthSettings Auth = new() { SigningKey = "pmoledger-benchmark-signing-key-not-a-secret-0123456789" };

    /// <summary>The master key for personal data the service and the in-process stores share, new every run.</summary>
    public static readonly byte[] MasterKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    /// <summary>Production refuses to start without a credential signing key (docs/credentials.md); one for the run.</summary>
    public static readonly string CredentialSigningKey = System.Security.Cryptography.RSA.Create(2048).ExportPkcs8PrivateKeyPem();

    /// <summary>The keys an in-process store seals personal data with, as the service does.</summary>
    public static KeyRing Keys(string connection) =>
        new(new PrivacySettings(MasterKey, null, false, TimeSpan.FromMinutes(10)), connection);

    /// <summary>This program's own dll: the reference server runs as a child process of it.</summary>
    public static string SelfDll => typeof(Settings).Assembly.Location;

    public static Settings Parse(string[] args)
    {
        // The last occurrence wins, so `./bench.sh --out other.json` overrides the script's default.
        string? Value(string name) => Array.LastIndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v.Replace("_", ""), CultureInfo.InvariantCulture) : fallback;

        var quick = args.Contains("--quick");
        var settings = new Settings
        {
            Quick = quick,
            Runs = Int("--runs", 3),
            Warmup = TimeSpan.FromSeconds(quick ? 0.5 : 2),
            Duration = TimeSpan.FromSeconds(Int("--seconds", quick ? 1 : 6)),
            RebuildEvents = Int("--events", quick ? 5_000 : 1_000_000),
            RebuildPerProjection = args.Contains("--rebuild-per-projection"),
            ServiceSettings = (Value("--service-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('=', 2) is [var name, var value] ? KeyValuePair.Create(name, value)
                    : throw new ArgumentException($"--service-env takes NAME=VALUE pairs, not '{pair}'"))
                .ToArray(),
            AsOfSizes = quick ? [100, 1_000] : [100, 1_000, 10_000],
            Phases = Value("--phases")?.Split(',') ?? ["coldstart", "ingest", "timeline", "xapi", "credentials", "asof", "search", "pages", "rebuild"],
            // The path may come through the environment, so this process's command line doesn't name PmoLedger.dll.
            ServiceDll = Path.GetFullPath(Value("--service-dll") ?? Environment.GetEnvironmentVariable("PMOLEDGER_BENCH_SERVICE_DLL")
                ?? throw new ArgumentException("--service-dll (or PMOLEDGER_BENCH_SERVICE_DLL) is required")),
            Connection = Value("--connection") ?? throw new ArgumentException("--connection is required"),
            RebuildConnection = Value("--rebuild-connection") ?? throw new ArgumentException("--rebuild-connection is required"),
            TypeLoadMode = Value("--type-load-mode") ?? "Static",
            BaselineServiceDll = Value("--baseline-service-dll") is { } baseline ? Path.GetFullPath(baseline) : null,
            BaselineConnection = Value("--baseline-connection"),
            Output = Value("--out") ?? "docs/benchmarks.json"
        };
        if (settings.Runs < 1) throw new ArgumentException("--runs must be at least 1");
        if ((settings.BaselineServiceDll is null) != (settings.BaselineConnection is null))
            throw new ArgumentException("--baseline-service-dll and --baseline-connection go together");
        return settings;
    }

    /// <summary>The environment of a production start: no demo data, a real signing key, pre-generated handlers.</summary>
    public Dictionary<string, string> ServiceEnvironment(string connection, string? typeLoadMode = null) => new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Ledger"] = connection,
        ["Auth__SigningKey"] = Auth.SigningKey!,
        ["Privacy__MasterKey"] = Convert.ToBase64String(MasterKey),
        ["Credentials__SigningKey"] = CredentialSigningKey,
        ["Demo__SeedOnStart"] = "false",
        ["Wolverine__TypeLoadMode"] = typeLoadMode ?? TypeLoadMode
    }.Concat(ServiceSettings).ToDictionary();

    /// <summary>
    /// `--service-env NAME=VALUE[,NAME=VALUE]`: more environment for the service only, e.g. `DOTNET_gcServer=1` to
    /// measure it with the server GC it ran with before (docs/operations.md, "Start-up and memory").
    /// </summary>
    public KeyValuePair<string, string>[] ServiceSettings { get; private init; } = [];

    public ChildProcess StartService(string connection, int? port = null, string? typeLoadMode = null) =>
        ChildProcess.Start("service", ServiceDll, [], ServiceEnvironment(connection, typeLoadMode), port ?? ServicePort);

    public ChildProcess StartBaseline() =>
        ChildProcess.Start("baseline service", BaselineServiceDll!, [], ServiceEnvironment(BaselineConnection!), BaselinePort);

    public ChildProcess StartReference(string? connection, int? port = null) =>
        ChildProcess.Start("reference", SelfDll, connection is null ? ["ref-server"] : ["ref-server", "--connection", connection],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" }, port ?? ReferencePort);
}
