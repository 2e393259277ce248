package com.zentrix.video.cli;

import com.zentrix.video.auth.Passwords;
import com.zentrix.video.auth.Role;
import com.zentrix.video.auth.Users;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.store.Database;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code zentrix-video user add|list|set-role|set-password|disable|enable}: local accounts and roles. */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = "Manage who may use the archive: accounts, roles (admin, supervisor, operator) and passwords.",
        subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class, UserCommand.SetRole.class,
                UserCommand.SetPassword.class, UserCommand.Disable.class, UserCommand.Enable.class},
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:done", "1:refused (message says why)", "2:usage or config error"})
public final class UserCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs an action on the users table, turning refusals into exit code 1 with the reason. */
    abstract static class Base implements Callable<Integer> {
        @Mixin ConfigOption config;
        @Spec CommandLine.Model.CommandSpec spec;

        abstract void run(Users users) throws IOException;

        @Override
        public Integer call() {
            ZentrixConfig cfg = config.loadOrReport(spec.commandLine().getErr());
            if (cfg == null) return 2;
            try (Database db = Database.open(cfg.databasePath())) {
                run(new Users(db.jdbi()));
                return 0;
            } catch (IllegalArgumentException | IOException e) {
                spec.commandLine().getErr().println("zentrix-video user: " + e.getMessage());
                return 1;
            }
        }

        String readPassword(boolean fromStdin) throws IOException {
            if (fromStdin) {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (line == null) throw new IllegalArgumentException("no password on standard input");
                return line;
            }
            Console c = System.console();
            if (c == null) throw new IllegalArgumentException("no terminal to ask for the password: use --password-stdin");
            char[] a = c.readPassword("Password: ");
            char[] b = c.readPassword("Again: ");
            if (a == null || b == null || !new String(a).equals(new String(b))) throw new IllegalArgumentException("the passwords differ");
            return new String(a);
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Create an account.")
    static final class Add extends Base {
        @Parameters(index = "0", paramLabel = "USERNAME") String username;
        @Option(names = "--role", required = true, description = "admin, supervisor or operator") String role;
        @Option(names = "--name", description = "display name") String name;
        @Option(names = "--jid", description = "the person's Jitsi (XMPP) bare JID, links their sessions, e.g. olena@meet.example.org") String jid;
        @Option(names = "--jwt-id", description = "the person's Jitsi JWT context.user.id, links their sessions") String jwtId;
        @Option(names = "--password-stdin", description = "read the password from standard input (else asked on the terminal)") boolean stdin;
        @Option(names = "--no-password", description = "no local password (log in with a Jitsi account or JWT only)") boolean noPassword;

        @Override
        void run(Users users) throws IOException {
            Role r = Role.parse(role);
            String hash = noPassword ? null : Passwords.hash(readPassword(stdin));
            Users.User u = users.create(username, name, r, hash, jid, jwtId, System.currentTimeMillis());
            spec.commandLine().getOut().printf("created %s (%s)%n", u.username(), u.role().wire());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the accounts.")
    static final class ListUsers extends Base {
        @Override
        void run(Users users) {
            var out = spec.commandLine().getOut();
            out.printf("%-28s %-10s %-8s %-30s %s%n", "USERNAME", "ROLE", "STATE", "JID", "NAME");
            for (Users.User u : users.list()) {
                out.printf("%-28s %-10s %-8s %-30s %s%n", u.username(), u.role().wire(), u.disabled() ? "disabled" : "active",
                        u.xmppJid() == null ? "-" : u.xmppJid(), u.displayName() == null ? "" : u.displayName());
            }
        }
    }

    @Command(name = "set-role", mixinStandardHelpOptions = true, description = "Change an account's role.")
    static final class SetRole extends Base {
        @Parameters(index = "0", paramLabel = "USERNAME") String username;
        @Parameters(index = "1", paramLabel = "ROLE", description = "admin, supervisor or operator") String role;

        @Override
        void run(Users users) {
            users.setRole(username, Role.parse(role));
            spec.commandLine().getOut().printf("%s is now %s%n", username, Role.parse(role).wire());
        }
    }

    @Command(name = "set-password", mixinStandardHelpOptions = true, description = "Set an account's local password and end its logins.")
    static final class SetPassword extends Base {
        @Parameters(index = "0", paramLabel = "USERNAME") String username;
        @Option(names = "--password-stdin", description = "read the password from standard input") boolean stdin;

        @Override
        void run(Users users) throws IOException {
            if (users.find(username).isEmpty()) throw new IllegalArgumentException("no user '" + username + "'");
            users.setPassword(username, Passwords.hash(readPassword(stdin)));
            spec.commandLine().getOut().printf("password of %s changed; its logins ended%n", username);
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable an account and end its logins.")
    static final class Disable extends Base {
        @Parameters(index = "0", paramLabel = "USERNAME") String username;

        @Override
        void run(Users users) {
            users.setDisabled(username, true);
            spec.commandLine().getOut().printf("%s disabled%n", username);
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a disabled account again.")
    static final class Enable extends Base {
        @Parameters(index = "0", paramLabel = "USERNAME") String username;

        @Override
        void run(Users users) {
            users.setDisabled(username, false);
            spec.commandLine().getOut().printf("%s enabled%n", username);
        }
    }
}
