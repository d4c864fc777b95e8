namespace PmoLedger.Infrastructure;

/// <summary>
/// Where a relative path given on the command line points. `dotnet run` starts a web project in
/// its project folder, not where the user typed the command; the shell passes that directory as
/// PWD, so a relative path is taken from there (and from the process's directory without a shell).
/// </summary>
public static class CallerPath
{
    public static string Resolve(string path) =>
        Resolve(path, Environment.GetEnvironmentVariable("PWD"), Environment.CurrentDirectory);

    public static string Resolve(string path, string? shellDirectory, string currentDirectory) =>
        Path.GetFullPath(path, shellDirectory is { Length: > 0 } shell && Path.IsPathRooted(shell) ? shell : currentDirectory);
}
