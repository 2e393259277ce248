package com.zentrix.video.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class ZentrixConfigTest {
    static ZentrixConfig config(String extra) {
        return ZentrixConfig.from(ConfigFactory.parseString("zentrix.prosody.secret = p\nzentrix.finalize.secret = f\n" + extra)
                .withFallback(ConfigFactory.defaultReference()).resolve());
    }

    @Test
    void anAlertWebhookWithoutASecretRefusesToStart() {
        ZentrixConfig.ConfigError e = assertThrows(ZentrixConfig.ConfigError.class,
                () -> config("zentrix.live.webhook.url = \"https://alerts.example.org/hook\"").requireSecrets());
        assertTrue(e.getMessage().contains("zentrix.live.webhook.secret"), e.getMessage());
    }

    @Test
    void anAlertWebhookWithASecretOrNoWebhookAtAllStarts() {
        assertDoesNotThrow(() -> config("zentrix.live.webhook.url = \"https://alerts.example.org/hook\"\n"
                + "zentrix.live.webhook.secret = s3cret").requireSecrets());
        assertDoesNotThrow(() -> config("").requireSecrets());
    }
}
