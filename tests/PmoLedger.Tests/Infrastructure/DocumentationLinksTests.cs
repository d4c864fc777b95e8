using System.Text.RegularExpressions;

namespace PmoLedger.Tests.Infrastructure;

/// <summary>A newcomer follows the README's and the guides' links inside the repository: each must lead somewhere.</summary>
public partial class DocumentationLinksTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PmoLedger.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("The repository root (PmoLedger.sln) was not found.");
    }

    [Fact]
    public void every_relative_link_in_the_readme_and_docs_resolves()
    {
        var root = Root();
        var pages = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md")).ToList();
        var broken = new List<string>();
        var followed = 0;
        foreach (var page in pages)
        {
            foreach (Match link in Link().Matches(File.ReadAllText(page)))
            {
                var target = link.Groups[1].Value.Split('#')[0];
                if (target.Length == 0 || target.Contains("://") || target.StartsWith("mailto:")) continue;
                followed++;
                var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target));
                if (!resolved.StartsWith(root) || (!File.Exists(resolved) && !Directory.Exists(resolved)))
                    broken.Add($"{Path.GetRelativePath(root, page)}: {link.Groups[1].Value}");
            }
        }
        pages.Count.ShouldBeGreaterThan(5);
        followed.ShouldBeGreaterThan(5);
        broken.ShouldBeEmpty();
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
