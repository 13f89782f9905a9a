package io.jipc;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExportsTree;
import com.sun.source.tree.ModuleTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every public type of every package {@code module-info.java} exports names, in its own Javadoc,
 * the man page of what it wraps (style.md: "every public function linking its man page"): a
 * {@code <a href="https://man7.org/linux/man-pages/manN/NAME.N.html">NAME(N)</a>} link (POSIX's
 * pages are section {@code 3p}); a link whose text begins with a page's name goes to that page. The sources are parsed with javac's tree
 * API, so a nested type ({@code PosixMessageQueue.Options}) is a type like any other.
 *
 * <p>A pure-Java type with no C counterpart at all needs no link, and is named in {@link
 * #NO_C_COUNTERPART} with the reason; that list may not name a type that does not exist, or one
 * that has links after all.
 */
class ManPageLinksTest {
    private static final Path SOURCES = Path.of(System.getProperty("basedir", "."), "src/main/java");

    /** {@code href} of a man7.org page, and the text of its link. */
    private static final Pattern LINK = Pattern.compile(
            "<a\\s+href=\"(https?://man7\\.org/[^\"]*)\"\\s*>([^<]*)</a>", Pattern.DOTALL);
    private static final Pattern PAGE = Pattern.compile(
            "https://man7\\.org/linux/man-pages/man([1-8])/([A-Za-z0-9_.+-]+)\\.(([1-8])p?)\\.html(#[A-Za-z0-9_-]+)?");

    /** A page named as C programmers write it: {@code mq_open(3)}. */
    private static final Pattern NAMED = Pattern.compile("[A-Za-z0-9_.+-]+\\(\\d\\w?\\)");

    /**
     * Public types that have no C counterpart: they describe Java's side of things, so no man page
     * says more about them than their own Javadoc. Every other public type — options records
     * (flags and attributes of an open or create call), info records (a stat or ctl structure),
     * enums of C constants, exceptions (an errno) — links the page of its call.
     */
    static final Map<String, String> NO_C_COUNTERPART = Map.of(
            "io.jipc.IpcInterruptedException", "Thread.interrupt(): a Java thread's state, no errno and no C call",
            "io.jipc.channel.RecordHandler", "the Java callback drain hands records to; the channel's C side is its"
                    + " layout page (docs/channel-layout.md), the futex and shared-memory pages its ends link",
            "io.jipc.channel.ChannelReader.HandlerException", "carries a handler's checked exception out of drain",
            "io.jipc.sync.LockOrder", "an order over locks, a Java protocol with no C call of its own (each lock it"
                    + " takes links its own pages: SharedMutex, SharedRwLock, FileLock...)",
            "io.jipc.sync.LockOrder.Held", "what LockOrder took: a list of Java objects",
            "io.jipc.sync.OrderedLock", "a Java view of any lock, jipc's or java.util.concurrent's",
            "io.jipc.sync.LockInversionException", "the lock-order checker's report: Java stack traces, no errno",
            "io.jipc.sync.LockInversionException.Edge", "one observed order of the checker: Java stack frames");

    private static Map<String, String> docs;

    @BeforeAll
    static void parse() throws IOException {
        docs = publicTypeDocs();
    }

    @Test
    void everyPublicTypeLinksItsManPage() {
        List<String> missing = new ArrayList<>();
        docs.forEach((type, doc) -> {
            if (!NO_C_COUNTERPART.containsKey(type) && !LINK.matcher(doc).find()) {
                missing.add(type);
            }
        });
        assertThat(missing).as("public types of exported packages whose Javadoc links no man7.org page").isEmpty();
    }

    @Test
    void everyLinkSaysThePageItGoesTo() {
        List<String> wrong = new ArrayList<>();
        int links = 0;
        for (var e : docs.entrySet()) {
            Matcher m = LINK.matcher(e.getValue());
            while (m.find()) {
                links++;
                String href = m.group(1);
                String text = m.group(2).replaceAll("\\s+", " ").strip();
                Matcher page = PAGE.matcher(href);
                if (!page.matches() || !page.group(1).equals(page.group(4))) {
                    wrong.add(e.getKey() + ": " + href + " is not a man7.org man page address");
                } else {
                    // "fcntl(2), EDEADLK" and prose ("pidfd") are fine; a page named first must be this one.
                    Matcher named = NAMED.matcher(text);
                    String target = page.group(2) + "(" + page.group(3) + ")";
                    if (named.lookingAt() && !named.group().equals(target)) {
                        wrong.add(e.getKey() + ": the link " + text + " goes to " + target);
                    }
                }
            }
        }
        assertThat(links).as("links found: the parser sees the Javadoc").isGreaterThan(docs.size() / 2);
        assertThat(wrong).isEmpty();
    }

    @Test
    void theExemptionsAreRealTypesWithoutLinks() {
        for (String type : NO_C_COUNTERPART.keySet()) {
            assertThat(docs).as("exempted type").containsKey(type);
            assertThat(LINK.matcher(docs.get(type)).find()).as(type + " links a page: no exemption needed").isFalse();
        }
    }

    @Test
    void theParserFindsTopLevelAndNestedTypes() {
        assertThat(docs).containsKeys("io.jipc.mq.PosixMessageQueue", "io.jipc.mq.PosixMessageQueue.Options",
                "io.jipc.inspect.Inventory", "io.jipc.IpcException");
        assertThat(docs.keySet()).noneMatch(t -> t.contains(".internal."));
    }

    /** Fully qualified name of every public type (nested ones too) of an exported package → its Javadoc text. */
    private static Map<String, String> publicTypeDocs() throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null);
                Stream<Path> walk = Files.walk(SOURCES)) {
            List<Path> sources = walk.filter(p -> p.toString().endsWith(".java")).toList();
            JavacTask task = (JavacTask) javac.getTask(new StringWriter(), files, null, List.of("-proc:none"),
                    null, files.getJavaFileObjectsFromPaths(sources));
            Iterable<? extends CompilationUnitTree> units = task.parse();
            DocTrees trees = DocTrees.instance(task);
            Set<String> exported = new java.util.HashSet<>();
            for (CompilationUnitTree unit : units) {
                if (unit.getModule() instanceof ModuleTree module) {
                    for (var d : module.getDirectives()) {
                        if (d instanceof ExportsTree ex && ex.getModuleNames() == null) {
                            exported.add(ex.getPackageName().toString());
                        }
                    }
                }
            }
            assertThat(exported).as("exports of module-info.java").contains("io.jipc", "io.jipc.mq");
            Map<String, String> found = new TreeMap<>();
            for (CompilationUnitTree unit : units) {
                if (unit.getPackage() == null || !exported.contains(unit.getPackageName().toString())
                        || unit.getSourceFile().isNameCompatible("package-info", JavaFileObject.Kind.SOURCE)) {
                    continue;
                }
                new TreePathScanner<Void, String>() {
                    @Override
                    public Void visitClass(ClassTree c, String outer) {
                        Tree parent = getCurrentPath().getParentPath().getLeaf();
                        boolean inInterface = parent instanceof ClassTree p
                                && (p.getKind() == Tree.Kind.INTERFACE || p.getKind() == Tree.Kind.ANNOTATION_TYPE);
                        Set<Modifier> mods = c.getModifiers().getFlags();
                        boolean isPublic = mods.contains(Modifier.PUBLIC)
                                || (inInterface && !mods.contains(Modifier.PRIVATE));
                        if (!isPublic || c.getSimpleName().isEmpty()) {
                            return null; // neither it nor what it nests is public API
                        }
                        String name = outer + "." + c.getSimpleName();
                        DocCommentTree doc = trees.getDocCommentTree(new TreePath(getCurrentPath().getParentPath(), c));
                        found.put(name, doc == null ? "" : doc.toString());
                        return super.visitClass(c, name);
                    }
                }.scan(unit, unit.getPackageName().toString());
            }
            return found;
        }
    }
}
