package io.flotilla.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SizesAndAgesTest {
  @ParameterizedTest
  @CsvSource({"512,512", "4Ki,4096", "4Mi,4194304", "1Gi,1073741824", "2K,2000", "3M,3000000"})
  void parsesQuantities(String text, long bytes) {
    assertThat(Sizes.parse(text)).isEqualTo(bytes);
  }

  @Test
  void refusesWhatIsNotAQuantity() {
    assertThatThrownBy(() -> Sizes.parse("4 megabytes")).isInstanceOf(BadInputException.class)
        .hasMessageContaining("4 megabytes").hasMessageContaining("4Mi");
  }

  @ParameterizedTest
  @CsvSource({"0,0B", "1023,1023B", "1024,1Ki", "1536,1.5Ki", "1782579,1.7Mi", "4194304,4Mi", "1048575,1Mi",
      "1073741824,1Gi"})
  void printsSizesInBinaryUnits(long bytes, String text) {
    assertThat(Sizes.format(bytes)).isEqualTo(text);
  }

  @ParameterizedTest
  @CsvSource({"0,0s", "45,45s", "119,119s", "120,2m", "192,3m12s", "3600,1h", "7500,2h5m", "356400,4d3h"})
  void printsAgesAsKubectlDoes(long seconds, String age) {
    assertThat(Ages.of(Duration.ofSeconds(seconds))).isEqualTo(age);
  }
}
