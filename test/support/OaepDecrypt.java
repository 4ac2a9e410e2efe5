import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * A provider's side of the client-secret encryption, as a Java provider would write it: decrypts
 * with the JDK's own OAEP, so tests check our encoding against an implementation nobody here wrote.
 * Run in source-file mode: java OaepDecrypt.java <pkcs8-der-base64>
 * stdin: one "<profile> <ciphertext-base64>" per line; stdout: "ok <plaintext-base64>" or "fail <exception>".
 */
public class OaepDecrypt {
  static Cipher cipher(String profile, PrivateKey key) throws Exception {
    switch (profile) {
      case "sha256-mgf1sha1": { // what the transformation string means with no parameters
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
        c.init(Cipher.DECRYPT_MODE, key);
        return c;
      }
      case "sha1": {
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        c.init(Cipher.DECRYPT_MODE, key);
        return c;
      }
      case "sha256": {
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
        c.init(Cipher.DECRYPT_MODE, key,
            new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        return c;
      }
      default:
        throw new IllegalArgumentException("unknown profile " + profile);
    }
  }

  public static void main(String[] args) throws Exception {
    byte[] der = Base64.getDecoder().decode(args[0]);
    PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      String[] parts = line.trim().split(" ");
      try {
        byte[] plain = cipher(parts[0], key).doFinal(Base64.getDecoder().decode(parts[1]));
        System.out.println("ok " + Base64.getEncoder().encodeToString(plain));
      } catch (Exception e) {
        System.out.println("fail " + e.getClass().getSimpleName());
      }
    }
  }
}
