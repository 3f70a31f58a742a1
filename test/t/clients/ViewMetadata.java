// What a BI tool reads through JDBC's DatabaseMetaData about the public
// views of dunning (test/t/bi_clients.sh): one line per numeric column,
// "view.column|COLUMN_SIZE|DECIMAL_DIGITS", and a line "NOREMARKS name" for
// every view or column whose REMARKS are empty.
//   java -cp postgresql.jar ViewMetadata.java JDBC_URL
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.HashSet;
import java.util.Set;

public class ViewMetadata {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0])) {
            DatabaseMetaData md = c.getMetaData();
            Set<String> views = new HashSet<>();
            try (ResultSet t = md.getTables(null, "dunning", "%", new String[] {"VIEW", "MATERIALIZED VIEW"})) {
                while (t.next()) {
                    String name = t.getString("TABLE_NAME");
                    views.add(name);
                    String remarks = t.getString("REMARKS");
                    if (remarks == null || remarks.isEmpty())
                        System.out.println("NOREMARKS " + name);
                }
            }
            try (ResultSet col = md.getColumns(null, "dunning", "%", "%")) {
                while (col.next()) {
                    String table = col.getString("TABLE_NAME");
                    if (!views.contains(table))
                        continue;
                    String name = table + "." + col.getString("COLUMN_NAME");
                    String remarks = col.getString("REMARKS");
                    if (remarks == null || remarks.isEmpty())
                        System.out.println("NOREMARKS " + name);
                    int type = col.getInt("DATA_TYPE");
                    if (type == Types.NUMERIC || type == Types.DECIMAL)
                        System.out.println(name + "|" + col.getInt("COLUMN_SIZE") + "|" + col.getInt("DECIMAL_DIGITS"));
                }
            }
            System.out.println("VIEWS " + views.size());
        }
    }
}
